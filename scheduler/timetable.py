"""APScheduler 3.11 in the bot's event loop, with its jobs in the product's database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

JOBS_TABLE = "apscheduler_jobs"


SYNC_JOB, REMINDERS_JOB = "sync", "reminders"
"""The jobs' ids in the job store (the service pauses the reminders until the bot connects)."""


def build_scheduler(
    engine: Engine,
    *,
    timezone: str,
    sync_minutes: float,
    reminder_minutes: float,
    now: dt.datetime,
) -> AsyncIOScheduler:
    """The scheduler with its two jobs (replacing what a previous run stored): the sync every
    `sync_minutes` and the reminder sweep every `reminder_minutes`, both also right at start.

    Coalescing and one instance per job: after an outage a job runs once, not once per missed
    interval; the reminder ledger decides what is still worth sending.
    """
    zone = ZoneInfo(timezone)
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=zone,
    )
    start = now.astimezone(zone)
    scheduler.add_job(
        "scheduler.jobs:sync_job", IntervalTrigger(minutes=sync_minutes, timezone=zone),
        id=SYNC_JOB, name="sincronización del libro", replace_existing=True, next_run_time=start,
    )  # fmt: skip
    scheduler.add_job(
        "scheduler.jobs:reminder_job", IntervalTrigger(minutes=reminder_minutes, timezone=zone),
        id=REMINDERS_JOB, name="recordatorios", replace_existing=True, next_run_time=start,
    )  # fmt: skip
    return scheduler


def next_runs(scheduler: AsyncIOScheduler) -> list[tuple[str, dt.datetime | None]]:
    """Each job's name and next run time (for `doctor` and the logs)."""
    return [(job.name, job.next_run_time) for job in scheduler.get_jobs()]
