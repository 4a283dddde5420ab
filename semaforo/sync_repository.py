"""Database writes of the workbook sync: cleared captures, catalogue-tab edits, owners, runs.

Part of the repository layer (with `semaforo.repository`); every function takes the session
of the caller's single transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, delete, insert, select, update

from scoring import Kind, MonthPlan, Thresholds
from semaforo import models, repository


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


def apply_plans(
    *,
    session: Session,
    programme_id: str,
    plans: Mapping[tuple[str, str], Mapping[int, MonthPlan]],
) -> int:
    """Replace the months of each (indicator, office) whose targets or weights changed."""
    current: dict[tuple[str, str], dict[int, MonthPlan]] = {}
    for t in session.exec(
        select(models.MonthTarget).where(models.MonthTarget.programme_id == programme_id)
    ):
        current.setdefault((t.indicator_code, t.office_code), {})[t.month] = MonthPlan(
            t.target, t.weight, None
        )
    changed = 0
    for (code, office), months in plans.items():
        before = current.get((code, office), {})
        if {m: (p.target, p.weight) for m, p in before.items()} == {
            m: (p.target, p.weight) for m, p in months.items()
        }:
            continue
        session.exec(
            delete(models.MonthTarget).where(
                col(models.MonthTarget.programme_id) == programme_id,
                col(models.MonthTarget.indicator_code) == code,
                col(models.MonthTarget.office_code) == office,
            )
        )
        for month, plan in months.items():
            session.add(models.MonthTarget(
                programme_id=programme_id, indicator_code=code, office_code=office,
                month=month, target=plan.target, weight=plan.weight,
            ))  # fmt: skip
        changed += 1
    if changed:
        repository.touch_programme(session=session, programme_id=programme_id)
    session.flush()
    return changed


def apply_indicator_settings(
    *,
    session: Session,
    programme_id: str,
    thresholds: Mapping[str, Thresholds | None],
    kinds: Mapping[str, Kind],
) -> int:
    """Set indicators' own thresholds and office indicators' kind where they changed."""
    changed = 0
    for row in session.exec(
        select(models.Indicator).where(models.Indicator.programme_id == programme_id)
    ):
        updates: dict[str, object] = {}
        if row.code in thresholds:
            t = thresholds[row.code]
            values = (t.yellow, t.green, t.exceeded) if t else (None, None, None)
            if values != (row.threshold_yellow, row.threshold_green, row.threshold_exceeded):
                updates |= dict(zip(
                    ("threshold_yellow", "threshold_green", "threshold_exceeded"), values,
                    strict=True,
                ))  # fmt: skip
        kind = kinds.get(row.code)
        if kind is not None and kind.value != row.kind:
            updates["kind"] = kind.value
        if updates:
            for name, value in updates.items():
                setattr(row, name, value)
            session.add(row)
            changed += 1
    if changed:
        repository.touch_programme(session=session, programme_id=programme_id)
    session.flush()
    return changed


def upsert_owners(
    *,
    session: Session,
    programme_id: str,
    owners: Iterable[tuple[str, str, str, str, list[str]]],
) -> int:
    """Create or update people from the owners tab (name, e-mail, telegram, role, units).

    A person is matched by e-mail, else by name. People missing from the tab are kept: removing
    someone's access is a deliberate act (`semaforo owners`), not a deleted row.
    """
    existing = list(
        session.exec(select(models.Owner).where(models.Owner.programme_id == programme_id))
    )
    changed = 0
    for name, email, telegram, role, units in owners:
        owner = next((o for o in existing if email and o.email == email), None) or next(
            (o for o in existing if o.name == name), None
        )
        username = telegram if telegram.startswith("@") else None
        telegram_id = int(telegram) if telegram.isdigit() else None
        if (
            telegram_id is None
            and owner is not None
            and username is not None
            and ((owner.telegram_username or "").lower() == username.lower())
        ):
            # the person registered with /start under this @username: keep the account it bound
            telegram_id = owner.telegram_id
        if not telegram.strip() and owner is not None:
            # an empty cell says nothing: keep an account bound by an invitation code
            telegram_id, username = owner.telegram_id, owner.telegram_username
        fresh = owner is None
        if owner is None:
            owner = models.Owner(programme_id=programme_id, name=name, role=role)
            existing.append(owner)
        values = {"name": name, "email": email or None, "role": role,
                  "telegram_id": telegram_id, "telegram_username": username}  # fmt: skip
        before = {k: getattr(owner, k) for k in values}
        current_units = (
            set()
            if fresh
            else {
                u.unit_code
                for u in session.exec(
                    select(models.OwnerUnit).where(models.OwnerUnit.owner_id == owner.id)
                )
            }
        )
        if not fresh and before == values and current_units == set(units):
            continue
        for key, value in values.items():
            setattr(owner, key, value)
        session.add(owner)
        session.flush()
        session.exec(delete(models.OwnerUnit).where(col(models.OwnerUnit.owner_id) == owner.id))
        for unit in dict.fromkeys(units):
            assert owner.id is not None
            session.add(models.OwnerUnit(owner_id=owner.id, unit_code=unit))
        changed += 1
    session.flush()
    return changed


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
class OwnerView:
    """An owner as plain data, usable after the session is closed."""

    id: int
    name: str
    email: str | None
    telegram_id: int | None
    telegram_username: str | None
    role: str
    units: tuple[str, ...]
    unreachable: bool = False


def owners_with_units(*, session: Session, programme_id: str) -> list[OwnerView]:
    """Every owner of the programme with the units they answer for."""
    owners = session.exec(
        select(models.Owner)
        .where(models.Owner.programme_id == programme_id)
        .order_by(col(models.Owner.id))
    ).all()
    units: dict[int, list[str]] = {}
    for link in session.exec(select(models.OwnerUnit)):
        units.setdefault(link.owner_id, []).append(link.unit_code)
    return [
        OwnerView(
            id=o.id or 0, name=o.name, email=o.email, telegram_id=o.telegram_id,
            telegram_username=o.telegram_username, role=o.role,
            units=tuple(units.get(o.id or -1, [])), unreachable=o.unreachable,
        )
        for o in owners
    ]  # fmt: skip


def record_run(*, session: Session, run: models.SyncRun) -> None:
    """Store a sync run (its own transaction when the sync itself failed)."""
    session.add(run)
    session.flush()
