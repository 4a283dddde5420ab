"""`semaforo run`: the bot, the scheduler and the sync in one process, started and stopped here.

Everything is built in `serve` from the settings and handed down; nothing connects at import.
On SIGTERM or Ctrl-C the bot stops taking updates, the sync or send in flight finishes and is
recorded, then the scheduler, the bot and the database are closed, in that order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from semaforo import service
from semaforo.db import create_schema, make_engine
from semaforo.errors import SemaforoError
from semaforo.reminders import Timing
from semaforo.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.app import Webhook
    from scheduler.jobs import JobContext

log = logging.getLogger("semaforo")

DRAIN_SECONDS = 20.0
"""How long a stop waits for the job in flight before closing anyway."""


class NotConfigured(SemaforoError):
    """A setting `run` cannot do without."""


def clock_from(settings: Settings, timezone: str) -> Callable[[], dt.datetime]:
    """Now, or — with SEMAFORO_CLOCK — that moment plus the time since start."""
    if settings.clock is None:
        return lambda: dt.datetime.now(ZoneInfo(timezone))
    start = settings.clock
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(timezone))
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


def timing_from(settings: Settings, deadline_business_days: int) -> Timing:
    """The reminder timetable from the settings."""
    return Timing(
        days_before=settings.reminder_days_before,
        hour=settings.reminder_hour,
        weekly_weekday=settings.weekly_digest_weekday,
        deadline_business_days=deadline_business_days,
    )


async def serve(
    settings: Settings,
    *,
    programme_id: str,
    stop: asyncio.Event | None = None,
    poll_timeout: float = 10.0,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then close everything cleanly."""
    from bot.app import build_application, start_bot, stop_bot  # PTB only where it is needed
    from scheduler import jobs
    from scheduler.leader import Leadership
    from scheduler.notifier import TelegramNotifier

    if settings.telegram_token is None:
        raise NotConfigured(
            "falta SEMAFORO_TELEGRAM_TOKEN (el token que da @BotFather, p. ej. "
            "123456789:AAH-ejemplo); vea docs/deploy.md"
        )
    stop = stop or asyncio.Event()
    on_signals(stop)
    engine = make_engine(settings.database_url)
    leadership = Leadership(engine, programme_id)
    try:
        create_schema(engine)
        stored = await asyncio.to_thread(service.programme, engine, programme_id)
        # Telegram lets one process poll a bot, and one scheduler must run: a standby instance
        # waits here until the active one stops or dies.
        if not await leadership.acquire(stop):
            return
        clock = clock_from(settings, stored.timezone)
        application = build_application(
            token=settings.telegram_token.get_secret_value(),
            api_url=settings.telegram_api_url,
            engine=engine,
            programme_id=programme_id,
            locale=settings.locale,
            today=lambda: clock().date(),
        )
        await start_bot(application, poll_timeout=poll_timeout, webhook=_webhook(settings))
        context = jobs.JobContext(
            settings=settings, engine=engine, programme_id=programme_id,
            notifier=TelegramNotifier(application.bot), clock=clock,
            timing=timing_from(settings, stored.deadline_business_days), stop=stop,
        )  # fmt: skip
        jobs.install(context)
        try:
            log.info("semaforo running: programme %s", stored.id)
            await _schedule(settings, stored.timezone, engine, context, stop)
            log.info("stopping: finishing what is in flight")
        finally:
            await stop_bot(application)
            jobs.install(None)
    finally:
        await asyncio.to_thread(leadership.release)
        engine.dispose()
        log.info("stopped")


async def _schedule(
    settings: Settings,
    timezone: str,
    engine: Engine,
    context: JobContext,
    stop: asyncio.Event,
) -> None:
    """Run the scheduler until stop, then drain the job in flight."""
    from scheduler.service import build_scheduler, next_runs

    # The scheduler runs on real time; SEMAFORO_CLOCK only moves what the jobs consider "now".
    scheduler = build_scheduler(
        engine, timezone=timezone, sync_minutes=settings.sync_minutes,
        reminder_minutes=settings.reminder_check_minutes, now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    scheduler.start()
    log.info("scheduler started; next: %s", ", ".join(f"{n} {t:%H:%M}" for n, t in
                                                      next_runs(scheduler) if t))  # fmt: skip
    try:
        await stop.wait()
    finally:
        # No new runs; the job in flight sees `stop`, finishes its sends and records them.
        # Only then shut down: APScheduler cancels a coroutine job that is still running.
        scheduler.pause()
        deadline = time.monotonic() + DRAIN_SECONDS
        while context.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        scheduler.shutdown(wait=False)


def _webhook(settings: Settings) -> Webhook | None:
    """The webhook from the settings; None means long polling."""
    from bot.app import Webhook

    if not settings.telegram_webhook_url:
        return None
    secret = settings.telegram_webhook_secret
    return Webhook(
        url=settings.telegram_webhook_url, listen=settings.telegram_webhook_listen,
        port=settings.telegram_webhook_port,
        secret=secret.get_secret_value() if secret else None,
    )  # fmt: skip


def on_signals(stop: asyncio.Event) -> None:
    """SIGTERM and Ctrl-C set `stop` instead of cancelling whatever is running."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests), or Windows
            return
