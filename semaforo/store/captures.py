"""Captured values as stored: applied with their history, read for scoring, exported,
cleared when a cell is emptied, and the workbook row each one was last seen in.

Every function takes the session of the caller's transaction as a keyword argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, delete, insert, select, update

from scoring import (
    Capture,
)
from semaforo.captures_csv import CaptureRow
from semaforo.store import models


@dataclass(slots=True)
class ApplyStats:
    """What applying a batch of captures changed."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0


def read_captures(
    *, session: Session, programme_id: str, year: int, known_at: dt.datetime | None = None
) -> list[Capture]:
    """The capture of every indicator, office and month of the year, for scoring: the latest,
    or, with `known_at`, each as it stood at that moment (rebuilt from the history)."""
    if known_at is not None:
        return _captures_known_at(session, programme_id, year, known_at)
    rows = session.exec(
        select(models.Capture).where(
            models.Capture.programme_id == programme_id, models.Capture.year == year
        )
    )
    return [
        Capture(
            indicator=r.indicator_code, month=r.month, numerator=r.numerator,
            denominator=r.denominator, value=r.value, office=r.office_code,
        )
        for r in rows
    ]  # fmt: skip


def _captures_known_at(
    session: Session, programme_id: str, year: int, known_at: dt.datetime
) -> list[Capture]:
    """The last change seen at or before `known_at` of each capture; a cleared one is gone."""
    # Stored in UTC (SQLite keeps no offset, so compare in UTC on both databases).
    known_at = models.aware(known_at).astimezone(dt.UTC)
    rows = session.exec(
        select(models.CaptureHistory)
        .where(
            models.CaptureHistory.programme_id == programme_id,
            models.CaptureHistory.year == year,
            col(models.CaptureHistory.seen_at) <= known_at,
        )
        .order_by(col(models.CaptureHistory.seen_at), col(models.CaptureHistory.id))
    )
    latest: dict[tuple[str, str, int], models.CaptureHistory] = {}
    for r in rows:
        latest[r.indicator_code, r.office_code, r.month] = r
    return [
        Capture(
            indicator=r.indicator_code, month=r.month, numerator=r.numerator,
            denominator=r.denominator, value=r.value, office=r.office_code,
        )
        for r in latest.values()
        if r.change != "cleared"
    ]  # fmt: skip


def export_captures(*, session: Session, programme_id: str) -> list[CaptureRow]:
    """Every current capture, in the long format's shape, ordered for reading."""
    rows = session.exec(
        select(models.Capture)
        .where(models.Capture.programme_id == programme_id)
        .order_by(
            col(models.Capture.year), col(models.Capture.month),
            col(models.Capture.indicator_code), col(models.Capture.office_code),
        )
    )  # fmt: skip
    return [
        CaptureRow(
            indicator=r.indicator_code, office=r.office_code, year=r.year, month=r.month,
            numerator=r.numerator, denominator=r.denominator, value=r.value,
            justification=r.justification, evidence=r.evidence,
        )
        for r in rows
    ]  # fmt: skip


_FIELDS = ("numerator", "denominator", "value", "justification", "evidence")


def apply_captures(
    *,
    session: Session,
    programme_id: str,
    rows: Iterable[CaptureRow],
    source: str,
    seen_at: dt.datetime | None = None,
) -> ApplyStats:
    """Create or change captures; every change is also appended to the history."""
    seen = seen_at or models.utcnow()
    stats = ApplyStats()
    existing = {
        (c.indicator_code, c.office_code, c.year, c.month): c
        for c in session.exec(
            select(models.Capture).where(models.Capture.programme_id == programme_id)
        )
    }
    for row in rows:
        current = existing.get((row.indicator, row.office, row.year, row.month))
        if current is not None and all(getattr(current, f) == getattr(row, f) for f in _FIELDS):
            stats.unchanged += 1
            continue
        if current is None:
            current = models.Capture(
                programme_id=programme_id, indicator_code=row.indicator,
                office_code=row.office, year=row.year, month=row.month,
            )  # fmt: skip
            existing[(row.indicator, row.office, row.year, row.month)] = current
            change = "created"
            stats.created += 1
        else:
            change = "changed"
            stats.changed += 1
        for f in _FIELDS:
            setattr(current, f, getattr(row, f))
        current.source, current.updated_at = source, seen
        session.add(current)
        session.add(models.CaptureHistory(
            programme_id=programme_id, indicator_code=row.indicator, office_code=row.office,
            year=row.year, month=row.month, change=change, numerator=row.numerator,
            denominator=row.denominator, value=row.value, justification=row.justification,
            evidence=row.evidence, source=source, seen_at=seen,
        ))  # fmt: skip
    session.flush()
    return stats


def capture_history(
    *, session: Session, programme_id: str, indicator: str
) -> list[models.CaptureHistory]:
    """Every recorded change of an indicator's captures, oldest first."""
    return list(
        session.exec(
            select(models.CaptureHistory)
            .where(
                models.CaptureHistory.programme_id == programme_id,
                models.CaptureHistory.indicator_code == indicator,
            )
            .order_by(col(models.CaptureHistory.seen_at), col(models.CaptureHistory.id))
        )
    )


def row_links(*, session: Session, programme_id: str) -> dict[tuple[int, str, str], str]:
    """(month, indicator, office) → a link opening the workbook at that capture row."""
    table = models.RowLink
    found = session.exec(
        select(table.month, table.indicator_code, table.office_code, table.link).where(
            table.programme_id == programme_id
        )
    )
    return {(month, code, office): link for month, code, office, link in found}


def clear_captures(
    *,
    session: Session,
    programme_id: str,
    keys: Iterable[tuple[str, str, int, int]],
    source: str,
    seen_at: dt.datetime,
) -> int:
    """Remove captures whose workbook cells were emptied; the history keeps what they were.

    Only captures that came from the workbook are cleared: a value imported from a CSV file
    stays until the workbook holds it (`semaforo sheet init` writes it there).
    """
    wanted = set(keys)
    if not wanted:
        return 0
    cleared = 0
    rows = session.exec(select(models.Capture).where(models.Capture.programme_id == programme_id))
    for capture in rows:
        key = (capture.indicator_code, capture.office_code, capture.year, capture.month)
        if key not in wanted or not capture.source.startswith("sheet"):
            continue
        session.add(models.CaptureHistory(
            programme_id=programme_id, indicator_code=capture.indicator_code,
            office_code=capture.office_code, year=capture.year, month=capture.month,
            change="cleared", source=source, seen_at=seen_at,
        ))  # fmt: skip
        session.delete(capture)
        cleared += 1
    session.flush()
    return cleared


def apply_row_links(
    *,
    session: Session,
    programme_id: str,
    links: Mapping[tuple[int, str, str], str],
    months: Iterable[int],
) -> int:
    """Store where the capture rows are now, (month, indicator, office) → link; rows written.

    Only differences are written. A stored link is deleted only when its month is in `months`
    (the tabs read this time): a tab that was not found keeps its last known rows.
    """
    read, table = set(months), models.RowLink
    mine = col(table.programme_id) == programme_id
    stored = {
        (month, code, office): link
        for month, code, office, link in session.exec(
            select(table.month, table.indicator_code, table.office_code, table.link).where(mine)
        )
    }
    added = [
        {"programme_id": programme_id, "month": month, "indicator_code": code,
         "office_code": office, "link": link}
        for (month, code, office), link in links.items()
        if (month, code, office) not in stored
    ]  # fmt: skip
    moved = {key: link for key, link in links.items() if stored.get(key, link) != link}
    gone = [key for key in stored if key[0] in read and key not in links]
    # Bulk statements: the first sync of a whole workbook adds thousands of links at once.
    if added:
        session.exec(insert(table), params=added)
    if moved or gone:  # rare (rows inserted, a tab renamed): only then are the ids needed
        ids = {
            (month, code, office): row_id
            for row_id, month, code, office in session.exec(
                select(table.id, table.month, table.indicator_code, table.office_code).where(mine)
            )
        }
        if moved:
            updates = [{"id": ids[key], "link": link} for key, link in moved.items()]
            session.exec(update(table), params=updates)
        if gone:
            session.exec(delete(table).where(col(table.id).in_([ids[key] for key in gone])))
    return len(added) + len(moved) + len(gone)


@dataclass(frozen=True, slots=True)
class SeenCapture:
    """One recorded change of a capture, as a plain view of its history row."""

    indicator: str
    office: str
    month: int
    change: str
    numerator: float | None
    denominator: float | None
    value: float | None
    justification: str
    evidence: str
    seen_at: dt.datetime


def year_history(*, session: Session, programme_id: str, year: int) -> list[SeenCapture]:
    """Every recorded change of the year's captures, oldest first, `seen_at` in UTC (the
    quarterly report's completeness and corrections)."""
    rows = session.exec(
        select(models.CaptureHistory)
        .where(
            models.CaptureHistory.programme_id == programme_id,
            models.CaptureHistory.year == year,
        )
        .order_by(col(models.CaptureHistory.seen_at), col(models.CaptureHistory.id))
    )
    return [
        SeenCapture(
            indicator=r.indicator_code, office=r.office_code, month=r.month, change=r.change,
            numerator=r.numerator, denominator=r.denominator, value=r.value,
            justification=r.justification, evidence=r.evidence,
            seen_at=models.aware(r.seen_at).astimezone(dt.UTC),
        )
        for r in rows
    ]  # fmt: skip
