"""`semaforo run`: the bot, the scheduler and the sync in one process, started and stopped here.

Everything is built in `serve` from the settings and handed down; nothing connects at import.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
from collections.abc import Callable

from semaforo import service
from semaforo.db import create_schema, make_engine
from semaforo.errors import SemaforoError
from semaforo.settings import Settings

log = logging.getLogger("semaforo")


class NotConfigured(SemaforoError):
    """A setting `run` cannot do without."""


async def serve(
    settings: Settings,
    *,
    programme_id: str,
    stop: asyncio.Event | None = None,
    today: Callable[[], dt.date | None] | None = None,
    poll_timeout: float = 10.0,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then close everything cleanly."""
    from bot.app import build_application, start_bot, stop_bot  # PTB only where it is needed

    if settings.telegram_token is None:
        raise NotConfigured(
            "falta SEMAFORO_TELEGRAM_TOKEN (el token que da @BotFather, p. ej. "
            "123456789:AAH-ejemplo); vea docs/deploy.md"
        )
    stop = stop or asyncio.Event()
    _on_signals(stop)
    engine = make_engine(settings.database_url)
    try:
        create_schema(engine)
        stored = await asyncio.to_thread(service.programme, engine, programme_id)
        application = build_application(
            token=settings.telegram_token.get_secret_value(),
            api_url=settings.telegram_api_url,
            engine=engine,
            programme_id=programme_id,
            locale=settings.locale,
            today=today,
        )
        await start_bot(application, poll_timeout=poll_timeout)
        try:
            log.info("semaforo running: programme %s", stored.id)
            await stop.wait()
            log.info("stopping: finishing what is in flight")
        finally:
            await stop_bot(application)
    finally:
        engine.dispose()
        log.info("stopped")


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests), or Windows
            return
