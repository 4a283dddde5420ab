"""Reminders against the database: what is due at a moment, and the ledger that makes each one
go out once (claimed before the send, finished after it).

The ledger's unique key is (programme, owner, kind, period). A claim that finds its row already
`sent`, `skipped` or `unreachable` is refused; one that finds it `claimed` (the process died
between claim and send) or `failed` (Telegram was down) takes it over and sends it. Only one
scheduler runs at a time (see `scheduler.leader`), so a takeover never races another sender.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scoring import Period, evaluate
from semaforo import service
from semaforo.calendar import deadlines_for_year
from semaforo.people import owners
from semaforo.reminders.plan import Kind, Moment, Reminder, Timing, active, moments, plan
from semaforo.store import captures, models
from semaforo.store.engine import transaction

DONE = ("sent", "skipped", "unreachable")


@dataclass(frozen=True, slots=True)
class Due:
    """The reminders that hold at a moment, and those the ledger says already went out."""

    at: dt.datetime
    pending: list[Reminder]
    done: list[Reminder]


def local(at: dt.datetime, timezone: str) -> dt.datetime:
    """A moment in the programme's time zone (a naive one is read as already local)."""
    zone = ZoneInfo(timezone)
    return at.replace(tzinfo=zone) if at.tzinfo is None else at.astimezone(zone)


def due_at(
    engine: Engine, programme_id: str, at: dt.datetime, *, timing: Timing | None = None
) -> Due:
    """Every reminder that holds at `at`, given the captures as known now."""
    stored = service.programme(engine, programme_id)
    cat = stored.catalogue
    timing = timing or Timing(deadline_business_days=stored.deadline_business_days)
    now = local(at, stored.timezone)
    holding = active(moments(cat.year, timing, ZoneInfo(stored.timezone)), now)
    with transaction(engine) as session:
        captured = captures.read_captures(session=session, programme_id=programme_id,
                                            year=cat.year)  # fmt: skip
        links = captures.row_links(session=session, programme_id=programme_id)
        done = _done_keys(session, programme_id, holding)
    people = owners.list_owners(engine, programme_id)
    deadlines = deadlines_for_year(cat.year, stored.deadline_business_days)
    found: list[Reminder] = []
    for moment in holding:
        month_tree = evaluate(cat, captured, period=Period.month(cat.year, moment.month),
                              as_of=now.date(), deadlines=deadlines)  # fmt: skip
        ytd = None
        if moment.kind is Kind.WEEKLY:
            ytd = evaluate(cat, captured, period=Period.year_to_date(cat.year, moment.month),
                           as_of=now.date(), deadlines=deadlines)  # fmt: skip
        found += plan(moment, catalogue=cat, month_tree=month_tree, owners=people, links=links,
                      ytd_tree=ytd)  # fmt: skip
    return Due(
        at=now,
        pending=[r for r in found if r.key not in done],
        done=[r for r in found if r.key in done],
    )


def _done_keys(
    session: Session, programme_id: str, holding: Iterable[Moment]
) -> set[tuple[int, str, str]]:
    wanted = {(m.kind.value, m.period) for m in holding}
    rows = session.exec(
        select(models.Reminder).where(
            models.Reminder.programme_id == programme_id, col(models.Reminder.state).in_(DONE)
        )
    ).all()
    return {(r.owner_id, r.kind, r.period) for r in rows if (r.kind, r.period) in wanted}


def claim(engine: Engine, programme_id: str, reminder: Reminder) -> int | None:
    """Write the ledger row before sending; its id, or None if it already went out."""
    owner_id, kind, period = reminder.key
    listed = json.dumps([i.label for i in reminder.items] or [u.code for u in reminder.units])
    try:
        with transaction(engine) as session:
            row = models.Reminder(programme_id=programme_id, owner_id=owner_id, kind=kind,
                                  period=period, indicators=listed)  # fmt: skip
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        pass  # the row exists: take it over unless it is finished
    with transaction(engine) as session:
        existing = session.exec(
            select(models.Reminder).where(
                models.Reminder.programme_id == programme_id,
                models.Reminder.owner_id == owner_id,
                models.Reminder.kind == kind,
                models.Reminder.period == period,
            )
        ).one()
        if existing.state in DONE:
            return None
        existing.state, existing.claimed_at, existing.indicators = (
            "claimed",
            models.utcnow(),
            listed,
        )
        session.add(existing)
        return existing.id


def finish(
    engine: Engine, row_id: int, *, state: str, message_id: int | None = None, error: str = ""
) -> None:
    """Record how a claimed reminder ended: sent, unreachable or failed (retried later)."""
    with transaction(engine) as session:
        row = session.get(models.Reminder, row_id)
        if row is None:
            return
        row.state, row.message_id, row.error = state, message_id, error[:500]
        row.finished_at = models.utcnow()
        session.add(row)


def release_stale(engine: Engine, programme_id: str, due: Due) -> int:
    """Claimed rows of holding moments that are no longer due (everything got captured in the
    meantime) are finished as skipped; how many."""
    keys = {r.key for r in due.pending}
    with transaction(engine) as session:
        rows = session.exec(
            select(models.Reminder).where(
                models.Reminder.programme_id == programme_id,
                col(models.Reminder.state).in_(("claimed", "failed")),
            )
        ).all()
        stale = [r for r in rows if (r.owner_id, r.kind, r.period) not in keys]
        for row in stale:
            row.state, row.finished_at = "skipped", models.utcnow()
            session.add(row)
    return len(stale)


def entries(engine: Engine, programme_id: str) -> list[models.Reminder]:
    """Every ledger row of the programme, oldest first (for reports and tests)."""
    with Session(engine) as session:
        rows = session.exec(
            select(models.Reminder)
            .where(models.Reminder.programme_id == programme_id)
            .order_by(col(models.Reminder.id))
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)
