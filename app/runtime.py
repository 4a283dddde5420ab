"""`semaforo run`: the bot, the scheduler and the sync in one process, started and stopped here.

Everything is built in `serve` from the settings and handed down; nothing connects at import.
The scheduled syncs start at once; the bot connects beside them, trying again while Telegram
cannot be reached, and the reminder sweeps wait for it.
On SIGTERM or Ctrl-C the bot stops taking updates, the sync or send in flight finishes and is
recorded, then the scheduler, the bot and the database are closed, in that order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import signal
import time

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine
from telegram.error import TelegramError
from telegram.ext import Application

from bot.application import Webhook, build_application, start_bot, stop_bot
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.leader import Leadership
from scheduler.notifier import TelegramNotifier
from scheduler.timetable import REMINDERS_JOB, build_scheduler, next_runs
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
FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS = 1.0, 60.0
"""The wait after a first failed attempt to reach Telegram, doubling on each to the cap."""


async def serve(
    settings: Settings,
    *,
    programme_id: str,
    stop: asyncio.Event | None = None,
    poll_timeout: float = 10.0,
    first_retry: float = FIRST_RETRY_SECONDS,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then close everything cleanly.

    The syncs start at once; the bot connects beside them, trying again while Telegram cannot
    be reached. A token Telegram rejects ends the service (NotConfigured).
    """
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
            now=clock,
        )
        context = jobs.JobContext(
            settings=settings, engine=engine, programme_id=programme_id,
            notifier=TelegramNotifier(application.bot), clock=clock,
            timing=timing_from(settings, stored.deadline_business_days), stop=stop,
            sync_workbook=lambda: sync_workbook(settings, engine, programme_id),
        )  # fmt: skip
        jobs.install(context)
        scheduler = _start_scheduler(settings, stored.timezone, engine)
        connecting = asyncio.create_task(_connect(
            application, webhook=_webhook(settings), poll_timeout=poll_timeout,
            first_retry=first_retry,
        ))  # fmt: skip
        try:
            log.info("semaforo running: programme %s", stored.id)
            await _until_stopped(stop, connecting, scheduler)
        finally:
            stop.set()  # also when the token was rejected: the jobs start nothing new
            await _drain(scheduler, context)
            connecting.cancel()
            await asyncio.wait({connecting})
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


def _start_scheduler(settings: Settings, timezone: str, engine: Engine) -> AsyncIOScheduler:
    """The scheduler, running: the syncs now; the reminder sweep held until the bot connects
    (a sweep without Telegram would claim reminders it cannot send)."""
    # The scheduler runs on real time; SEMAFORO_CLOCK only moves what the jobs consider "now".
    scheduler = build_scheduler(
        engine, timezone=timezone, sync_minutes=settings.sync_minutes,
        reminder_minutes=settings.reminder_check_minutes, now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    scheduler.pause_job(REMINDERS_JOB)
    scheduler.start()
    log.info("scheduler started; next: %s", ", ".join(f"{n} {t:%H:%M}" for n, t in
                                                      next_runs(scheduler) if t))  # fmt: skip
    return scheduler


async def _connect(
    application: Application,  # type: ignore[type-arg]
    *,
    webhook: Webhook | None,
    poll_timeout: float,
    first_retry: float,
) -> None:
    """Start the bot; while Telegram cannot be reached, one log line per attempt and a wait
    that doubles up to MAX_RETRY_SECONDS. A rejected token (NotConfigured) is not retried."""
    wait = first_retry
    for failures in itertools.count():
        try:
            await start_bot(application, poll_timeout=poll_timeout, webhook=webhook)
        except TelegramError as exc:
            await stop_bot(application)  # what the failed start opened; the next one is fresh
            log.warning("Telegram not reachable (%s: %s); trying again in %g s; the syncs go "
                        "on, reminders wait", type(exc).__name__, exc, wait)  # fmt: skip
        else:
            if failures:  # said at the failures' level, so an operator sees it ended
                log.warning("Telegram reachable after %d failed attempt(s)", failures)
            return
        await asyncio.sleep(wait)
        wait = min(wait * 2, MAX_RETRY_SECONDS)


async def _until_stopped(
    stop: asyncio.Event,
    connecting: asyncio.Task[None],
    scheduler: AsyncIOScheduler,
) -> None:
    """Wait for stop; sweep reminders from the moment the bot is connected. A start that
    failed for good (the token rejected) is raised here."""
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopped, connecting}, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()
            scheduler.modify_job(REMINDERS_JOB, next_run_time=dt.datetime.now(dt.UTC))
            await stopped
    finally:
        stopped.cancel()


async def _drain(scheduler: AsyncIOScheduler, context: JobContext) -> None:
    """No new runs; the job in flight sees `stop`, finishes its sends and records them. Only
    then shut down: APScheduler cancels a coroutine job that is still running."""
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
