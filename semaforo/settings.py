"""Every setting of the service, validated once at start (environment `SEMAFORO_*`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError(
                "must be a SQLite or PostgreSQL SQLAlchemy URL, e.g. "
                "sqlite:///semaforo.db or postgresql+psycopg://semaforo@localhost/semaforo"
            )
        return value
