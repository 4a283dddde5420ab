"""Owners: added from the command line, invited with a one-time code, and redeemed by the bot.

Owners also come from the workbook's «Responsables» tab (`sheets_sync`); both paths meet in the
same tables. Owners are read through `semaforo.store.roster`; the invitation writes are here
(the few that only this module makes).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import secrets
from dataclasses import dataclass

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
log = logging.getLogger("semaforo.people")
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
    """Create or update a person (matched by e-mail, then name). A Telegram id already bound to
    another person is refused: one account is one person."""
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
        owner = _find(session, programme_id, email=email, name=name)
        holder = _find(session, programme_id, telegram_id=telegram_id)
        if holder is not None and (owner is None or owner.id != holder.id):
            raise OwnerError(
                f"el id de Telegram {telegram_id} ya es de {holder.name}: una cuenta es una persona"
            )
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
    engine: Engine,
    programme_id: str,
    email: str,
    *,
    now: dt.datetime | None = None,
    replace: bool = False,
) -> tuple[OwnerView, str]:
    """A one-time code for the person with this e-mail to send as `/start CODE`.

    The new code revokes the person's earlier unused ones. A person already registered with a
    Telegram account gets a code only to move to another account (`replace`).
    """
    moment = now or models.utcnow()
    with transaction(engine) as session:
        owner = _find(session, programme_id, email=email.strip().lower())
        if owner is None or owner.id is None:
            raise OwnerError(
                f"no hay responsable con el correo {email}; agréguelo en la pestaña «Responsables» "
                "o con «semaforo owners add»"
            )
        if owner.telegram_id is not None and not replace:
            raise OwnerError(
                f"{owner.name} ya está registrado con una cuenta de Telegram; para cambiarla por "
                "otra, emita el código con --replace (se avisa a la cuenta anterior)"
            )
        _revoke(session, owner.id, moment)
        code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        session.add(models.Invite(
            owner_id=owner.id, code_hash=_hash(code), created_at=moment,
            expires_at=moment + dt.timedelta(days=INVITE_DAYS), replaces_account=replace,
        ))  # fmt: skip
        owner_id = owner.id
    return _view(engine, programme_id, owner_id), code


def revoke(
    engine: Engine,
    programme_id: str,
    email: str,
    *,
    account: bool = False,
    now: dt.datetime | None = None,
) -> tuple[OwnerView, int, int | None]:
    """Revoke the person's unused codes (and, with `account`, unbind their Telegram account):
    the person, how many codes were revoked, and the account unbound (None if none)."""
    moment = now or models.utcnow()
    with transaction(engine) as session:
        owner = _find(session, programme_id, email=email.strip().lower())
        if owner is None or owner.id is None:
            raise OwnerError(f"no hay responsable con el correo {email}")
        revoked = _revoke(session, owner.id, moment)
        unbound = owner.telegram_id if account else None
        if account:
            owner.telegram_id = None
            session.add(owner)
        owner_id = owner.id
    return _view(engine, programme_id, owner_id), revoked, unbound


def _revoke(session: Session, owner_id: int, moment: dt.datetime) -> int:
    pending = session.exec(
        select(models.Invite).where(
            models.Invite.owner_id == owner_id,
            col(models.Invite.used_at).is_(None),
            col(models.Invite.revoked_at).is_(None),
        )
    ).all()
    for found in pending:
        found.revoked_at = moment
        session.add(found)
    return len(pending)


class Outcome(enum.Enum):
    """How a `/start CODE` ended."""

    REGISTERED = "registered"
    BAD_CODE = "bad_code"  # unknown, used, revoked or expired
    OTHER_PERSON = "other_person"  # the account is already someone else's
    BOUND_ELSEWHERE = "bound_elsewhere"  # the person has another account; the code cannot move it
    THROTTLED = "throttled"  # too many failures from this account lately; the code was not read


@dataclass(frozen=True, slots=True)
class Redemption:
    """What a `/start CODE` did: the person registered, the account it replaced (to be told),
    and, when throttled, when the account may try again."""

    outcome: Outcome
    person: OwnerView | None = None
    replaced_account: int | None = None
    retry_at: dt.datetime | None = None


MAX_FAILED_STARTS = 5
"""Failed `/start CODE`s an account may make in `FAILED_START_WINDOW` before it must wait."""
FAILED_START_WINDOW = dt.timedelta(hours=1)


def redeem(
    engine: Engine,
    programme_id: str,
    code: str,
    *,
    telegram_id: int,
    username: str | None,
    now: dt.datetime | None = None,
) -> Redemption:
    """Tie a Telegram account to the invited person, if the code and the account allow it.

    One account is one person: an account registered to someone else cannot redeem a code, and
    a person registered with another account moves only with a code issued to replace it.
    Failures are recorded; after `MAX_FAILED_STARTS` in an hour the account must wait.
    """
    moment = now or models.utcnow()
    with transaction(engine) as session:
        since = moment - FAILED_START_WINDOW
        failures = sorted(
            models.aware(a.at)
            for a in session.exec(
                select(models.StartAttempt).where(
                    models.StartAttempt.programme_id == programme_id,
                    models.StartAttempt.telegram_id == telegram_id,
                    col(models.StartAttempt.outcome) != Outcome.THROTTLED.value,
                )
            )
            if models.aware(a.at) > since
        )
        if len(failures) >= MAX_FAILED_STARTS:
            outcome = _attempt(session, programme_id, telegram_id, moment, Outcome.THROTTLED)
            retry_at = failures[-MAX_FAILED_STARTS] + FAILED_START_WINDOW
            return Redemption(outcome, retry_at=retry_at)
        found = session.exec(
            select(models.Invite).where(models.Invite.code_hash == _hash(code.strip().upper()))
        ).first()
        owner = None if found is None else session.get(models.Owner, found.owner_id)
        if (
            found is None
            or owner is None
            or owner.programme_id != programme_id
            or found.used_at is not None
            or found.revoked_at is not None
            or models.aware(found.expires_at) < moment
        ):
            return Redemption(
                _attempt(session, programme_id, telegram_id, moment, Outcome.BAD_CODE)
            )
        holder = session.exec(
            select(models.Owner).where(
                models.Owner.programme_id == programme_id,
                models.Owner.telegram_id == telegram_id,
                models.Owner.id != owner.id,
            )
        ).first()
        if holder is not None:
            outcome = _attempt(session, programme_id, telegram_id, moment, Outcome.OTHER_PERSON)
            return Redemption(outcome)
        previous = owner.telegram_id if owner.telegram_id != telegram_id else None
        if previous is not None and not found.replaces_account:
            outcome = _attempt(session, programme_id, telegram_id, moment, Outcome.BOUND_ELSEWHERE)
            return Redemption(outcome)
        found.used_at = moment
        owner.telegram_id = telegram_id
        owner.telegram_username = f"@{username}" if username else owner.telegram_username
        owner.unreachable = False
        session.add_all([found, owner])
        owner_id = owner.id
    assert owner_id is not None
    person = _view(engine, programme_id, owner_id)
    return Redemption(Outcome.REGISTERED, person=person, replaced_account=previous)


def _attempt(
    session: Session, programme_id: str, telegram_id: int, moment: dt.datetime, outcome: Outcome
) -> Outcome:
    """Record a failed `/start CODE` (committed with the caller's transaction) and log it."""
    session.add(models.StartAttempt(
        programme_id=programme_id, telegram_id=telegram_id, at=moment, outcome=outcome.value
    ))  # fmt: skip
    log.warning("/start with a code refused for Telegram id %s: %s", telegram_id, outcome.value)
    return outcome


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
