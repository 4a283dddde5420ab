"""APScheduler keeps its jobs in the product's database, by import path (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import text
from sqlalchemy.engine import Engine

from scheduler.timetable import JOBS_TABLE, build_scheduler, next_runs

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


def _build(engine: Engine) -> list[tuple[str, str, dt.datetime | None]]:
    async def scenario() -> list[tuple[str, str, dt.datetime | None]]:
        scheduler = build_scheduler(engine, timezone="America/Mexico_City", sync_minutes=10,
                                    reminder_minutes=5, now=NOW)  # fmt: skip
        scheduler.start(paused=True)
        try:
            assert len(next_runs(scheduler)) == 2
            return [(j.name, j.func_ref, j.next_run_time) for j in scheduler.get_jobs()]
        finally:
            scheduler.shutdown(wait=False)

    return asyncio.run(scenario())


def test_the_jobs_are_stored_by_import_path_and_replaced_not_duplicated_on_restart(
    engine: Engine,
) -> None:
    runs = _build(engine)
    assert {(name, ref) for name, ref, _ in runs} == {
        ("sincronización del libro", "scheduler.jobs:sync_job"),
        ("recordatorios", "scheduler.jobs:reminder_job"),
    }
    assert all(at == NOW for _, _, at in runs)  # both also run right at start
    _build(engine)  # a restart
    with engine.connect() as connection:
        rows = connection.execute(text(f"select id from {JOBS_TABLE} order by id")).all()
    assert [r[0] for r in rows] == ["reminders", "sync"]
