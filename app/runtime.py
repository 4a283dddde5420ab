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

from sqlalchemy.engine import Engine

from bot.application import Webhook, build_application, start_bot, stop_bot
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.leader import Leadership
from scheduler.notifier import TelegramNotifier
from scheduler.timetable import build_scheduler, next_runs
from semaforo import service
from semaforo.errors import NotConfigured
from semaforo.reminders.plan import timing_from
from semaforo.settings import Settings, clock_from
from semaforo.store.engine import create_schema, make_engine
from sheets_sync.open import open_workbook
from sheets_sync.sync import SyncReport, sync

log = logging.getLogger("semaforo")

DRAIN_SECONDS = 20.0
"""How long a stop waits for the job in flight before closing anyway."""


async def serve(
    settings: Settings,
    *,
    programme_id: str,
    stop: asyncio.Event | None = None,
    poll_timeout: float = 10.0,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then close everything cleanly."""
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
            sync_workbook=lambda: sync_workbook(settings, engine, programme_id),
        )  # fmt: skip
        jobs.install(context)
        try:
            log.info("semaforo running: programme %s", stored.id)
            await _schedule(settings, stored.timezone, engine, context, stop)
        finally:
            await stop_bot(application)
            jobs.install(None)
    finally:
        await asyncio.to_thread(leadership.release)
        engine.dispose()
        log.info("stopped")


def sync_workbook(settings: Settings, engine: Engine, programme_id: str) -> SyncReport:
    """One sync of the configured workbook into the database (the scheduler's sync job)."""
    workbook = open_workbook(settings, programme_id)
    name = settings.workbook_location(programme_id)
    return sync(engine, workbook, programme_id, name=name)


async def _schedule(
    settings: Settings,
    timezone: str,
    engine: Engine,
    context: JobContext,
    stop: asyncio.Event,
) -> None:
    """Run the scheduler until stop, then drain the job in flight."""
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
        log.info("stopping: finishing what is in flight")
        scheduler.pause()
        deadline = time.monotonic() + DRAIN_SECONDS
        while context.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        scheduler.shutdown(wait=False)


def _webhook(settings: Settings) -> Webhook | None:
    """The webhook from the settings; None means long polling."""
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
