"""The scheduled jobs. APScheduler keeps them in the database by import path
(`scheduler.jobs:sync_job`), so they survive restarts; what they work on is the running
service's context, registered here at start (engines and bots cannot be pickled).

The workbook sync is handed in by the service (`JobContext.sync_workbook`): the scheduler runs
it on its timetable without knowing what a workbook is."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from scheduler.fanout import FanoutReport, send_due
from scheduler.notifier import Notifier
from semaforo.reminders.plan import Timing
from semaforo.settings import Settings

log = logging.getLogger("semaforo.scheduler")


@dataclass
class JobContext:
    """What the jobs of the running service use."""

    settings: Settings
    engine: Engine
    programme_id: str
    notifier: Notifier
    clock: Callable[[], dt.datetime]
    timing: Timing
    sync_workbook: Callable[[], object]
    """Pull the workbook into the database once and return the run's report (blocking)."""
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    busy: set[str] = field(default_factory=set)
    """Jobs running now; shutdown waits for them."""
    last_sync: object | None = None
    last_reminders: FanoutReport | None = None


_context: JobContext | None = None


def install(context: JobContext | None) -> None:
    """Register (or clear, with None) the context the jobs run in."""
    global _context
    _context = context


def current() -> JobContext:
    """The registered context; a job that runs without one is a programming error."""
    if _context is None:
        raise RuntimeError("scheduler.jobs: no running service registered")
    return _context


async def sync_job() -> None:
    """Pull the workbook into the database (one log line per run)."""
    ctx = current()
    if ctx.stop.is_set():
        return
    ctx.busy.add("sync")
    try:
        report = await asyncio.to_thread(ctx.sync_workbook)
        ctx.last_sync = report
        log.info("%s", _sync_line(report))
    except Exception:
        log.exception("sync job failed")
    finally:
        ctx.busy.discard("sync")


async def reminder_job() -> None:
    """Send the reminders that hold now and have not gone out (one log line per batch)."""
    ctx = current()
    if ctx.stop.is_set():
        return
    ctx.busy.add("reminders")
    try:
        ctx.last_reminders = await send_due(
            ctx.engine, ctx.programme_id, at=ctx.clock(), notifier=ctx.notifier,
            locale=ctx.settings.locale, timing=ctx.timing, stop=ctx.stop,
        )  # fmt: skip
    except Exception:
        log.exception("reminder job failed")
    finally:
        ctx.busy.discard("reminders")


def _sync_line(report: object) -> str:
    outcome = getattr(report, "outcome", "?")
    if outcome != "ok":
        return f"sincronización falló: {getattr(report, 'message', '')}"
    return (
        f"sincronización: {getattr(report, 'requests', 0)} solicitudes, "
        f"{getattr(report, 'total_changes', 0)} cambios, {getattr(report, 'rejected', 0)} "
        "celdas rechazadas"
    )
