"""Owners: added from the command line, invited with a one-time code, and redeemed by the bot.

Owners also come from the workbook's «Responsables» tab (`sheets_sync`); both paths meet in the
same tables. Owners are read through `semaforo.store.roster`; the invitation writes are here
(the few that only this module makes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from semaforo import service
from semaforo.codes import nearest_codes, normalise_code
from semaforo.errors import SemaforoError, UnknownCode
from semaforo.people.access import EMAIL, ROLES, TELEGRAM_USERNAME
from semaforo.store import models
from semaforo.store.engine import transaction
from semaforo.store.roster import OwnerView, owners_with_units

# No 0/O, 1/I/L: the code may be read aloud or typed from a printed page.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_DAYS = 7


class OwnerError(SemaforoError):
    """A person's details that cannot be accepted; the message says which and why."""


def add_owner(
    engine: Engine,
    programme_id: str,
    *,
    name: str,
    role: str,
    units: list[str],
    telegram_id: int | None = None,
    username: str | None = None,
    email: str | None = None,
) -> OwnerView:
    """Create or update a person (matched by Telegram id, e-mail, then name)."""
    name = " ".join(name.split())
    if not name:
        raise OwnerError("falta el nombre")
    if role not in ROLES:
        raise OwnerError(f"rol «{role}» no válido; use {', '.join(ROLES)}")
    if telegram_id is not None and telegram_id <= 0:
        raise OwnerError(f"el id de Telegram debe ser un número positivo, no {telegram_id}")
    if username is not None and not TELEGRAM_USERNAME.match(username):
        raise OwnerError(f"usuario de Telegram «{username}» no válido; p. ej. @ana_perez")
    if email is not None and not EMAIL.match(email):
        raise OwnerError(f"correo «{email}» no válido")
    catalogue = service.programme(engine, programme_id).catalogue
    codes = [normalise_code(u) for u in units if u.strip()]
    known = [u.code for u in catalogue.units]
    for code in codes:
        if code not in known:
            raise UnknownCode(code, nearest_codes(code, known))
    if not codes and role != "planning":
        raise OwnerError("faltan las unidades (--units 2.3,2.4); solo planeación puede no tenerlas")
    handle = None if username is None else "@" + username.lstrip("@")
    with transaction(engine) as session:
        owner = _find(session, programme_id, telegram_id=telegram_id, email=email, name=name)
        owner = owner or models.Owner(programme_id=programme_id, name=name, role=role)
        owner.name, owner.role = name, role
        owner.telegram_id = telegram_id if telegram_id is not None else owner.telegram_id
        owner.telegram_username = handle or owner.telegram_username
        owner.email = email or owner.email
        owner.unreachable = False
        session.add(owner)
        session.flush()
        assert owner.id is not None
        session.exec(delete(models.OwnerUnit).where(col(models.OwnerUnit.owner_id) == owner.id))
        for code in dict.fromkeys(codes):
            session.add(models.OwnerUnit(owner_id=owner.id, unit_code=code))
        owner_id = owner.id
    return _view(engine, programme_id, owner_id)


def invite(
    engine: Engine, programme_id: str, email: str, *, now: dt.datetime | None = None
) -> tuple[OwnerView, str]:
    """A one-time code for the person with this e-mail to send as `/start CODE`."""
    moment = now or models.utcnow()
    with transaction(engine) as session:
        owner = _find(session, programme_id, email=email.strip().lower())
        if owner is None or owner.id is None:
            raise OwnerError(
                f"no hay responsable con el correo {email}; agréguelo en la pestaña «Responsables» "
                "o con «semaforo owners add»"
            )
        code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        session.add(models.Invite(
            owner_id=owner.id, code_hash=_hash(code), created_at=moment,
            expires_at=moment + dt.timedelta(days=INVITE_DAYS),
        ))  # fmt: skip
        owner_id = owner.id
    return _view(engine, programme_id, owner_id), code


def redeem(
    engine: Engine,
    programme_id: str,
    code: str,
    *,
    telegram_id: int,
    username: str | None,
    now: dt.datetime | None = None,
) -> OwnerView | None:
    """Tie a Telegram account to the invited person; None if the code is unknown, used or old."""
    moment = now or models.utcnow()
    with transaction(engine) as session:
        found = session.exec(
            select(models.Invite).where(models.Invite.code_hash == _hash(code.strip().upper()))
        ).first()
        if found is None or found.used_at is not None or models.aware(found.expires_at) < moment:
            return None
        owner = session.get(models.Owner, found.owner_id)
        if owner is None or owner.programme_id != programme_id:
            return None
        found.used_at = moment
        owner.telegram_id = telegram_id
        owner.telegram_username = f"@{username}" if username else owner.telegram_username
        owner.unreachable = False
        session.add_all([found, owner])
        owner_id = found.owner_id
    return _view(engine, programme_id, owner_id)


def identify(engine: Engine, programme_id: str, telegram_id: int) -> OwnerView | None:
    """The registered person behind a Telegram account, if any."""
    return next(
        (o for o in list_owners(engine, programme_id) if o.telegram_id == telegram_id), None
    )


def register(
    engine: Engine, programme_id: str, *, telegram_id: int, username: str | None
) -> OwnerView | None:
    """`/start` without a code: the person already tied to this account, or listed by @username.

    An @username binds only a person with no Telegram account yet, so a handle that changes
    hands later cannot take over someone already registered.
    """
    known = identify(engine, programme_id, telegram_id)
    if known is not None or not username:
        return known
    handle = "@" + username.lstrip("@").lower()
    with transaction(engine) as session:
        owners = session.exec(
            select(models.Owner).where(models.Owner.programme_id == programme_id)
        ).all()
        match = [
            o for o in owners
            if o.telegram_id is None and (o.telegram_username or "").lower() == handle
        ]  # fmt: skip
        if len(match) != 1:
            return None
        match[0].telegram_id = telegram_id
        match[0].unreachable = False
        session.add(match[0])
        owner_id = match[0].id
    assert owner_id is not None
    return _view(engine, programme_id, owner_id)


def mark_unreachable(engine: Engine, programme_id: str, telegram_id: int) -> bool:
    """Record that a person blocked the bot (Telegram answered 403); True if someone was marked."""
    with transaction(engine) as session:
        owners = session.exec(
            select(models.Owner).where(
                models.Owner.programme_id == programme_id, models.Owner.telegram_id == telegram_id
            )
        ).all()
        for owner in owners:
            owner.unreachable = True
            session.add(owner)
    return bool(owners)


def list_owners(engine: Engine, programme_id: str) -> list[OwnerView]:
    """Every person of the programme with their units."""
    with transaction(engine) as session:
        return owners_with_units(session=session, programme_id=programme_id)


def _find(
    session: Session,
    programme_id: str,
    *,
    telegram_id: int | None = None,
    email: str | None = None,
    name: str | None = None,
) -> models.Owner | None:
    owners = list(
        session.exec(select(models.Owner).where(models.Owner.programme_id == programme_id))
    )
    by_id = [o for o in owners if telegram_id is not None and o.telegram_id == telegram_id]
    by_email = [o for o in owners if email and (o.email or "").lower() == email.lower()]
    by_name = [o for o in owners if name is not None and o.name == name]
    return next(iter(by_id + by_email + by_name), None)


def _view(engine: Engine, programme_id: str, owner_id: int) -> OwnerView:
    return next(o for o in list_owners(engine, programme_id) if o.id == owner_id)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
