"""`semaforo doctor`: each part a deployment needs, checked and said in plain words."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from semaforo import service
from semaforo.catalogue.files import load_programme
from semaforo.logs import scrub
from semaforo.reminders.plan import KIND_WORDS, moments, timing_from
from semaforo.settings import Settings, clock_from
from semaforo.store import migrate
from semaforo.store.engine import make_engine
from sheets_sync.open import is_google, open_workbook
from sheets_sync.parse import parse_workbook


@dataclass(frozen=True, slots=True)
class Check:
    """One check: what, whether it passed, and what to do about it."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """`✔ base de datos: …` or `✘ …`; an error quoted in it shows no secret."""
        return scrub(f"{'✔' if self.ok else '✘'} {self.name}: {self.detail}")


def run_checks(settings: Settings, programme_id: str, *, timeout: float = 10.0) -> list[Check]:
    """Every check, in the order a person would fix them; none raises."""
    checks: list[Check] = []
    for name, probe in (
        ("configuración", lambda: _configuration(settings)),
        ("base de datos", lambda: _database(settings, programme_id)),
        ("libro de captura", lambda: _workbook(settings, programme_id)),
        ("bot de Telegram", lambda: _bot(settings, timeout)),
        ("reloj y zona horaria", lambda: _clock(settings, programme_id)),
        ("próximas tareas", lambda: _next_jobs(settings, programme_id)),
    ):
        checks.extend(_safely(name, probe))
    return checks


def _safely(name: str, probe: Callable[[], list[Check]]) -> list[Check]:
    try:
        return probe()
    except Exception as exc:  # a check that breaks is a failed check, said in words
        return [Check(name, False, f"{type(exc).__name__}: {exc}")]


def _configuration(settings: Settings) -> list[Check]:

    missing: list[Check] = []
    if settings.telegram_token is None:
        missing.append(
            Check(
                "configuración",
                False,
                "falta SEMAFORO_TELEGRAM_TOKEN (el token "
                "que da @BotFather, p. ej. 123456789:AAH-…); vea docs/deploy.md",
            )
        )
    location = settings.workbook_location(settings.programme)
    if is_google(location) and settings.google_credentials is None:
        missing.append(
            Check(
                "configuración",
                False,
                "falta SEMAFORO_GOOGLE_CREDENTIALS (el JSON "
                "de la cuenta de servicio) para el libro de Google",
            )
        )
    if settings.google_credentials is not None and not settings.google_credentials.exists():
        missing.append(
            Check(
                "configuración",
                False,
                f"SEMAFORO_GOOGLE_CREDENTIALS: no existe {settings.google_credentials}",
            )
        )
    return missing or [Check("configuración", True, "completa")]


def _database(settings: Settings, programme_id: str) -> list[Check]:

    engine = make_engine(settings.database_url)
    try:
        current = migrate.current(engine)
        if not migrate.is_up_to_date(engine):
            return [
                Check(
                    "base de datos",
                    False,
                    f"{settings.database_url_safe} responde pero su "
                    f"esquema está en {current or 'ninguna versión'} y el actual es "
                    f"{migrate.head()}: corra «semaforo db upgrade»",
                )
            ]
        return [Check("base de datos", True, f"{settings.database_url_safe}, esquema {current}")]
    finally:
        engine.dispose()


def _workbook(settings: Settings, programme_id: str) -> list[Check]:

    workbook = open_workbook(settings, programme_id)
    account = getattr(workbook, "account", "")
    share = f"; compártalo con {account}" if account else ""
    try:
        snapshot = workbook.read()
    except Exception as exc:
        return [Check("libro de captura", False, f"{exc}{share}")]
    engine = make_engine(settings.database_url)
    try:
        catalogue = service.programme(engine, programme_id).catalogue
    finally:
        engine.dispose()
    parsed = parse_workbook(snapshot, catalogue)
    tabs = len(snapshot.tabs)
    if parsed.problems:
        return [Check("libro de captura", False, f"{p}{share}") for p in parsed.problems]
    where = settings.workbook_location(programme_id)
    return [
        Check(
            "libro de captura",
            True,
            f"{where}: {tabs} pestañas con sus encabezados"
            f"{'; cuenta de servicio ' + account if account else ''}",
        )
    ]


def _bot(settings: Settings, timeout: float) -> list[Check]:
    if settings.telegram_token is None:
        return []  # already said under «configuración»

    async def get_me() -> str:
        base = settings.telegram_api_url
        token = settings.telegram_token.get_secret_value()  # type: ignore[union-attr]
        async with Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot") as bot:
            me = await asyncio.wait_for(bot.get_me(), timeout)
            return f"@{me.username}"

    try:
        name = asyncio.run(get_me())
    except InvalidToken:
        return [
            Check(
                "bot de Telegram",
                False,
                "Telegram rechazó el token: revise SEMAFORO_TELEGRAM_TOKEN con @BotFather",
            )
        ]
    except (TelegramError, TimeoutError, OSError) as exc:
        return [
            Check(
                "bot de Telegram",
                False,
                f"{settings.telegram_api_url} no respondió: {type(exc).__name__}",
            )
        ]
    return [Check("bot de Telegram", True, f"{name} responde en {settings.telegram_api_url}")]


def _clock(settings: Settings, programme_id: str) -> list[Check]:
    timezone = _timezone(settings, programme_id)
    try:
        zone = ZoneInfo(timezone)
    except ZoneInfoNotFoundError:
        return [Check("reloj y zona horaria", False, f"zona horaria desconocida «{timezone}»")]
    now = dt.datetime.now(zone)
    if now.year < 2020:
        return [Check("reloj y zona horaria", False, f"el reloj marca {now:%Y-%m-%d %H:%M}")]
    pretend = f"; SEMAFORO_CLOCK simula {settings.clock:%Y-%m-%d %H:%M}" if settings.clock else ""
    return [Check("reloj y zona horaria", True, f"{now:%Y-%m-%d %H:%M} en {timezone}{pretend}")]


def _next_jobs(settings: Settings, programme_id: str) -> list[Check]:

    stored = load_programme(programme_id)  # the calendar needs no database
    now = clock_from(settings, stored.timezone)()
    timing = timing_from(settings, stored.deadline_business_days)
    upcoming = [
        m for m in moments(stored.catalogue.year, timing, ZoneInfo(stored.timezone)) if m.at > now
    ]
    sync = f"sincronización cada {settings.sync_minutes:g} min"
    if not upcoming:
        return [
            Check(
                "próximas tareas",
                True,
                f"{sync}; el programa {stored.catalogue.year} ya terminó: no quedan recordatorios",
            )
        ]
    first = upcoming[0]
    return [
        Check(
            "próximas tareas",
            True,
            f"{sync}; siguiente recordatorio: "
            f"{KIND_WORDS[first.kind]} {first.period} el {first.at:%Y-%m-%d %H:%M}",
        )
    ]


def _timezone(settings: Settings, programme_id: str) -> str:

    try:
        return load_programme(programme_id).timezone
    except Exception:
        return "America/Mexico_City"
