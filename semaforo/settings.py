"""Every setting of the service, validated once at start (environment `SEMAFORO_*`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TOKEN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,}$")


def default_database_url() -> str:
    """A SQLite file under the user's data directory: the embedded default."""
    return f"sqlite:///{Path(user_data_dir('semaforo', appauthor=False)) / 'semaforo.db'}"


class Settings(BaseSettings):
    """Settings read from `SEMAFORO_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SEMAFORO_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
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
