"""Modifications of approved targets: a row's month edits written (the values in force change,
the approved ones stay, each modification is appended to `targetchange`), and read back.

The workbook's «Catálogo» tab and `semaforo catalogue modify` both write through `edit_row`,
so both record the same history. Every function takes the caller's session as a keyword
argument; the caller moves the programme's stamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from scoring import MonthPlan
from semaforo.store import models
from semaforo.targets import MonthEdit, TargetChange


def month_rows(
    *, session: Session, programme_id: str, indicator: str | None = None
) -> dict[tuple[str, str], dict[int, models.MonthTarget]]:
    """The stored months of each (indicator, office), approved ones no longer due included."""
    query = select(models.MonthTarget).where(models.MonthTarget.programme_id == programme_id)
    if indicator is not None:
        query = query.where(models.MonthTarget.indicator_code == indicator)
    rows: dict[tuple[str, str], dict[int, models.MonthTarget]] = {}
    for t in session.exec(query):
        rows.setdefault((t.indicator_code, t.office_code), {})[t.month] = t
    return rows


def in_force(row: models.MonthTarget) -> MonthPlan | None:
    """A stored month's plan in force; None when a modification left it not due."""
    if row.target is None or row.weight is None:
        return None
    return MonthPlan(row.target, row.weight, row.share)


def edit_row(
    *,
    session: Session,
    programme_id: str,
    key: tuple[str, str],
    stored: dict[int, models.MonthTarget],
    edits: Sequence[MonthEdit],
    reason: str,
    source: str,
    at: dt.datetime,
) -> list[TargetChange]:
    """Apply a row's month edits: an approval adds the month (approved = in force); a
    modification changes the values in force, keeps the approved ones and is recorded."""
    indicator, office = key
    at = at.astimezone(dt.UTC)  # stored in UTC (SQLite keeps no zone)
    recorded: list[TargetChange] = []
    for edit in edits:
        row = stored.get(edit.month)
        if row is None:
            if edit.after is None:
                continue
            session.add(models.MonthTarget(
                programme_id=programme_id, indicator_code=indicator, office_code=office,
                month=edit.month, target=edit.after.target, weight=edit.after.weight,
                approved_target=edit.after.target, approved_weight=edit.after.weight,
            ))  # fmt: skip
            continue
        if not reason.strip():  # the parse and the service refuse it first; never record one
            raise ValueError(f"a modification of {indicator} month {edit.month} has no reason")
        before = in_force(row)
        row.target = None if edit.after is None else edit.after.target
        row.weight = None if edit.after is None else edit.after.weight
        session.add(row)
        change = models.TargetChange(
            programme_id=programme_id, indicator_code=indicator, office_code=office,
            month=edit.month, approved_target=row.approved_target,
            approved_weight=row.approved_weight,
            target_before=before.target if before else None,
            weight_before=before.weight if before else None,
            target=row.target, weight=row.weight, reason=reason.strip(), source=source,
            changed_at=at,
        )  # fmt: skip
        session.add(change)
        recorded.append(_change(change))
    session.flush()
    return recorded


def target_changes(
    *, session: Session, programme_id: str, indicator: str | None = None
) -> tuple[TargetChange, ...]:
    """Every modification of the programme (or of one indicator), oldest first."""
    query = select(models.TargetChange).where(models.TargetChange.programme_id == programme_id)
    if indicator is not None:
        query = query.where(models.TargetChange.indicator_code == indicator)
    return tuple(_change(r) for r in session.exec(query.order_by(col(models.TargetChange.id))))


def _change(r: models.TargetChange) -> TargetChange:
    return TargetChange(
        indicator=r.indicator_code, office=r.office_code, month=r.month,
        approved=MonthPlan(r.approved_target, r.approved_weight),
        before=_plan(r.target_before, r.weight_before), after=_plan(r.target, r.weight),
        reason=r.reason, source=r.source, changed_at=models.aware(r.changed_at),
    )  # fmt: skip


def _plan(target: float | None, weight: float | None) -> MonthPlan | None:
    return None if target is None or weight is None else MonthPlan(target, weight)
