"""Every setting of the service, validated once at start: environment variables `SEMAFORO_*`,
then an optional `semaforo.toml` (or the file named by SEMAFORO_CONFIG); the environment wins.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
TOKEN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,}$")


def default_database_url() -> str:
    """A SQLite file under the user's data directory: the embedded default."""
    return f"sqlite:///{Path(user_data_dir('semaforo', appauthor=False)) / 'semaforo.db'}"


def config_file() -> Path:
    """The optional TOML file: SEMAFORO_CONFIG, else ./semaforo.toml."""
    return Path(os.environ.get("SEMAFORO_CONFIG", "semaforo.toml"))


class Settings(BaseSettings):
    """Settings read from `SEMAFORO_*` environment variables and the optional TOML file."""

    model_config = SettingsConfigDict(env_prefix="SEMAFORO_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        repr=False,  # may hold a password; see `database_url_safe`
        description="Any SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db",
    )
    programme: str = Field(default="pat-inm-2019", description="The programme id commands use")
    locale: Literal["es", "en"] = Field(default="es", description="Language of what people read")
    workbook: str = Field(
        default="",
        description="A path to an .xlsx file, or a Google spreadsheet id or URL; "
        "default: <user data dir>/semaforo/<programme>.xlsx",
    )
    google_credentials: Path | None = Field(
        default=None, description="The service-account JSON file for a Google workbook"
    )
    sheets_api_url: str = Field(
        default="https://sheets.googleapis.com",
        description="Base URL of the Sheets API (a local server in tests)",
    )

    telegram_token: SecretStr | None = Field(
        default=None, description="The bot's token from @BotFather, e.g. 123456:ABC-DEF…"
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API base URL (a self-hosted Bot API server; a local one in tests)",
    )

    telegram_webhook_url: str = Field(
        default="",
        description="Public HTTPS URL Telegram posts updates to; empty: long polling",
    )
    telegram_webhook_listen: str = Field(
        default="127.0.0.1", description="Address the webhook listener binds (behind a proxy)"
    )
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Sent by Telegram in X-Telegram-Bot-Api-Secret-Token; 1-256 of A-Z a-z 0-9 _ -",
    )
    sync_minutes: float = Field(
        default=10, gt=0, le=24 * 60, description="Minutes between two syncs of the workbook"
    )
    reminder_check_minutes: float = Field(
        default=5, gt=0, le=24 * 60,
        description="Minutes between two looks for reminders that are due",
    )  # fmt: skip
    reminder_days_before: int = Field(
        default=3, ge=1, le=15,
        description="Business days before month end for the first reminder (3: the 3rd-last)",
    )  # fmt: skip
    reminder_hour: int = Field(default=9, ge=0, le=23, description="Hour reminders go out")
    weekly_digest_weekday: int = Field(
        default=0, ge=0, le=6, description="Day of the planning digest, 0 = Monday"
    )
    clock: dt.datetime | None = Field(
        default=None,
        description="Pretend the service started at this moment (demos and tests), "
        "e.g. 2019-03-27T09:00",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the TOML file."""
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    @property
    def database_url_safe(self) -> str:
        """The database URL with its password masked, for logs and `doctor`."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    def workbook_location(self, programme: str) -> str:
        """The workbook this programme syncs with."""
        if self.workbook:
            return self.workbook
        return str(Path(user_data_dir("semaforo", appauthor=False)) / f"{programme}.xlsx")

    @field_validator("sheets_api_url", "telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, e.g. https://api.example.org")
        return value.rstrip("/")

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("must be an https URL, e.g. https://semaforo.inm.gob.mx/telegram")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("use 1 to 256 letters, digits, _ or -, e.g. a random 32-letter string")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Shape only (digits, a colon, the secret): the value itself never goes into a message.
        if value is not None and not TOKEN.match(value.get_secret_value()):
            raise ValueError(
                "does not look like a bot token (digits, a colon, then letters), "
                "e.g. 123456789:AAH-example-token-from-BotFather"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError(
                "must be a SQLite or PostgreSQL SQLAlchemy URL, e.g. "
                "sqlite:///semaforo.db or postgresql+psycopg://semaforo@localhost/semaforo"
            )
        return value


EXAMPLES = {
    "database_url": "postgresql+psycopg://semaforo@localhost/semaforo",
    "programme": "pat-inm-2019",
    "locale": "es",
    "workbook": "1AbC…xyz (the id in the sheet's URL) or /srv/semaforo/pat.xlsx",
    "google_credentials": "/etc/semaforo/service-account.json",
    "sheets_api_url": "https://sheets.googleapis.com",
    "telegram_token": "123456789:AAH-example-token-from-BotFather",
    "telegram_api_url": "https://api.telegram.org",
    "telegram_webhook_url": "https://semaforo.inm.gob.mx/telegram",
    "telegram_webhook_listen": "127.0.0.1",
    "telegram_webhook_port": "8443",
    "telegram_webhook_secret": "a random string of letters and digits",
    "sync_minutes": "10",
    "reminder_check_minutes": "5",
    "reminder_days_before": "3",
    "reminder_hour": "9",
    "weekly_digest_weekday": "0",
    "clock": "2019-03-27T09:00",
}


class SettingsProblems(Exception):
    """Settings that cannot be used; one line per problem, never with a secret's value."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def load_settings() -> Settings:
    """The settings, or SettingsProblems naming each bad one with an example of a good value."""
    path = config_file()
    lines: list[str] = []
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsProblems([f"{path}: no es TOML válido: {exc}"]) from None
        lines += [
            f"{path}: clave desconocida «{key}»; las válidas son: {', '.join(EXAMPLES)}"
            for key in data if key not in Settings.model_fields
        ]  # fmt: skip
    elif "SEMAFORO_CONFIG" in os.environ:
        lines.append(f"SEMAFORO_CONFIG: no existe el archivo {path}")
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            example = "" if "e.g." in message else EXAMPLES.get(field, "")
            lines.append(
                f"SEMAFORO_{field.upper()}: {message}" + (f" (e.g. {example})" if example else "")
            )
        raise SettingsProblems(lines) from None
    if lines:
        raise SettingsProblems(lines)
    return settings


def clock_from(settings: Settings, timezone: str) -> Callable[[], dt.datetime]:
    """Now, or — with SEMAFORO_CLOCK — that moment plus the time since start."""
    if settings.clock is None:
        return lambda: dt.datetime.now(ZoneInfo(timezone))
    start = settings.clock
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(timezone))
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)
