"""Settings: environment, an optional TOML file, one clear line per bad value, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from semaforo.settings import Settings, SettingsProblems, load_settings

TOKEN = "123456789:AAH-semaforo-secret-token-0123456789"


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("SEMAFORO_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_secrets_never_appear_in_a_repr_or_a_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMAFORO_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("SEMAFORO_DATABASE_URL", "postgresql+psycopg://semaforo:hunter2@db/semaforo")
    settings = load_settings()
    shown = repr(settings) + str(settings)
    assert TOKEN not in shown and "hunter2" not in shown
    assert settings.database_url_safe == "postgresql+psycopg://semaforo:***@db/semaforo"
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == TOKEN


def test_each_bad_value_is_one_line_naming_it_with_a_good_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEMAFORO_TELEGRAM_TOKEN", "not-a-token-but-a-secret")
    monkeypatch.setenv("SEMAFORO_SYNC_MINUTES", "0")
    monkeypatch.setenv("SEMAFORO_LOCALE", "fr")
    monkeypatch.setenv("SEMAFORO_DATABASE_URL", "mysql://x")
    monkeypatch.setenv("SEMAFORO_REMINDER_HOUR", "nueve")
    with pytest.raises(SettingsProblems) as caught:
        load_settings()
    lines = caught.value.lines
    assert len(lines) == 5
    by_name = {line.split(":")[0]: line for line in lines}
    assert set(by_name) == {
        "SEMAFORO_TELEGRAM_TOKEN", "SEMAFORO_SYNC_MINUTES", "SEMAFORO_LOCALE",
        "SEMAFORO_DATABASE_URL", "SEMAFORO_REMINDER_HOUR",
    }  # fmt: skip
    assert all("e.g." in line for line in lines)
    assert "not-a-token-but-a-secret" not in str(caught.value)


def test_a_toml_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "semaforo.toml").write_text('sync_minutes = 3\nlocale = "en"\n', "utf-8")
    monkeypatch.setenv("SEMAFORO_LOCALE", "es")
    settings = load_settings()
    assert settings.sync_minutes == 3 and settings.locale == "es"


def test_a_misspelt_toml_key_or_a_broken_file_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "semaforo.toml").write_text("sync_minute = 3\n", "utf-8")
    with pytest.raises(SettingsProblems, match="clave desconocida «sync_minute»"):
        load_settings()
    (tmp_path / "semaforo.toml").write_text("sync_minutes = \n", "utf-8")
    with pytest.raises(SettingsProblems, match="no es TOML válido"):
        load_settings()
    monkeypatch.setenv("SEMAFORO_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(SettingsProblems, match="SEMAFORO_CONFIG: no existe"):
        load_settings()


def test_with_nothing_set_the_embedded_defaults_hold() -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.telegram_token is None and settings.telegram_webhook_url == ""
    assert (settings.sync_minutes, settings.reminder_hour) == (10, 9)
