"""The people of a programme as stored: owners upserted from the workbook or the command line,
and read back with their units as plain `OwnerView`s.

Every function takes the session of the caller's transaction as a keyword argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from semaforo.store import models


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
        if telegram_id is not None and any(
            o is not owner and o.telegram_id == telegram_id for o in existing
        ):
            # one account is one person: an id typed on a second person's row does not move the
            # account (the tab reports a repeated id; one held by someone off the tab is kept)
            telegram_id = owner.telegram_id if owner is not None else None
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
