"""`semaforo doctor`: nothing configured, then a full set-up against local Google and Telegram
servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.sheets_api import FakeSheetsApi, write_service_account_file

SHEET = "1semaforoDoctorTestSpreadsheet0000000"


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", "doctor"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.fixture
def bare(tmp_path: Path) -> dict[str, str]:
    """No SEMAFORO_* setting at all, and a home of its own (the default paths live there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMAFORO_")}
    return {**env, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}


def test_with_nothing_configured_doctor_fails_with_one_line_per_missing_part(
    bare: dict[str, str],
) -> None:
    out = doctor(bare)
    assert out.returncode == 1
    failed = [line for line in out.stdout.splitlines() if line.startswith("✘")]
    assert failed == [
        "✘ configuración: falta SEMAFORO_TELEGRAM_TOKEN (el token que da @BotFather, p. ej. "
        "123456789:AAH-…); vea docs/deploy.md",
        failed[1],
        failed[2],
    ]
    assert "corra «semaforo db upgrade»" in failed[1]
    assert "créelo con «semaforo sheet init»" in failed[2]


@pytest.fixture
def servers() -> Iterator[tuple[FakeSheetsApi, FakeBotApi]]:
    with FakeSheetsApi() as sheets, FakeBotApi(token=TOKEN, bot_username="semaforo_inm_bot") as bot:
        sheets.create_spreadsheet(SHEET, ["Hoja 1"], row_count=50, column_count=10)
        yield sheets, bot


def test_against_local_servers_with_valid_settings_doctor_passes(
    bare: dict[str, str], servers: tuple[FakeSheetsApi, FakeBotApi], tmp_path: Path
) -> None:
    sheets, bot = servers
    credentials = write_service_account_file(tmp_path / "cuenta.json", token_uri=sheets.token_uri)
    env = {
        **bare, "SEMAFORO_DATABASE_URL": f"sqlite:///{tmp_path / 'semaforo.db'}",
        "SEMAFORO_WORKBOOK": SHEET, "SEMAFORO_GOOGLE_CREDENTIALS": str(credentials),
        "SEMAFORO_SHEETS_API_URL": sheets.url, "SEMAFORO_TELEGRAM_TOKEN": TOKEN,
        "SEMAFORO_TELEGRAM_API_URL": bot.url,
    }  # fmt: skip
    for step in (["db", "upgrade"], ["sheet", "init"]):
        done = subprocess.run([sys.executable, "-m", "app.cli", *step], env=env,
                              capture_output=True, text=True, timeout=180)  # fmt: skip
        assert done.returncode == 0, done.stderr
    out = doctor(env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "✔ bot de Telegram: @semaforo_inm_bot responde" in out.stdout
    assert "cuenta de servicio" in out.stdout and out.stdout.rstrip().endswith("todo en orden")
    assert TOKEN.split(":")[1] not in out.stdout + out.stderr
