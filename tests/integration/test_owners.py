"""People from the command line, and one-time invitations (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from semaforo.errors import UnknownCode
from semaforo.people.owners import (
    MAX_FAILED_STARTS,
    Outcome,
    OwnerError,
    add_owner,
    identify,
    invite,
    list_owners,
    redeem,
    revoke,
)
from semaforo.store.roster import OwnerView

PAT = "pat-inm-2019"
NOW = dt.datetime(2019, 3, 1, 12, tzinfo=dt.UTC)


def test_an_owner_added_twice_is_updated_not_duplicated(engine: Engine) -> None:
    add_owner(engine, PAT, name="Ana Pérez", role="capture", units=["2.3"], telegram_id=111)
    owner = add_owner(engine, PAT, name="Ana Pérez", role="director", units=["2.3", "2.4"],
                      telegram_id=111, username="@ana_perez")  # fmt: skip
    assert (owner.role, owner.units, owner.telegram_username) == (
        "director",
        ("2.3", "2.4"),
        "@ana_perez",
    )
    assert len(list_owners(engine, PAT)) == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"role": "jefa", "units": ["2.3"]}, "rol"),
        ({"role": "capture", "units": []}, "faltan las unidades"),
        ({"role": "capture", "units": ["2.3"], "telegram_id": -4}, "positivo"),
        ({"role": "capture", "units": ["2.3"], "username": "a b"}, "usuario"),
        ({"role": "capture", "units": ["2.3"], "email": "ana"}, "correo"),
    ],
)
def test_bad_owner_details_are_refused_with_the_reason(
    engine: Engine, kwargs: dict[str, object], error: str
) -> None:
    with pytest.raises(OwnerError, match=error):
        add_owner(engine, PAT, name="Ana", **kwargs)  # type: ignore[arg-type]


def test_an_unknown_unit_suggests_the_nearest(engine: Engine) -> None:
    with pytest.raises(UnknownCode, match=r"quiso decir 2\."):
        add_owner(engine, PAT, name="Ana", role="capture", units=["2.9"])


def _luis(engine: Engine) -> str:
    """Luis, a director with no Telegram account yet, and a fresh code for him."""
    add_owner(engine, PAT, name="Luis", role="director", units=["2"], email="luis@inm.example.mx")
    return invite(engine, PAT, "luis@inm.example.mx", now=NOW)[1]


def _owner(engine: Engine, name: str) -> OwnerView:
    return next(o for o in list_owners(engine, PAT) if o.name == name)


def test_an_invitation_is_redeemed_once(engine: Engine) -> None:
    add_owner(engine, PAT, name="Luis", role="director", units=["2"], email="luis@inm.example.mx")
    owner, code = invite(engine, PAT, "LUIS@inm.example.mx", now=NOW)
    assert owner.name == "Luis" and len(code) == 10
    done = redeem(engine, PAT, code.lower(), telegram_id=222, username="luis_r", now=NOW)
    assert done.outcome is Outcome.REGISTERED and done.person is not None
    assert (done.person.telegram_id, done.replaced_account) == (222, None)
    again = redeem(engine, PAT, code, telegram_id=333, username=None, now=NOW)
    assert again.outcome is Outcome.BAD_CODE and _owner(engine, "Luis").telegram_id == 222


def test_an_old_or_unknown_code_registers_nobody(engine: Engine) -> None:
    code = _luis(engine)
    late = NOW + dt.timedelta(days=8)
    assert redeem(engine, PAT, code, telegram_id=222, username=None, now=late).outcome is (
        Outcome.BAD_CODE
    )
    assert redeem(engine, PAT, "NOPE", telegram_id=222, username=None, now=NOW).outcome is (
        Outcome.BAD_CODE
    )
    assert _owner(engine, "Luis").telegram_id is None


def test_an_account_registered_to_someone_else_cannot_redeem_a_code(engine: Engine) -> None:
    add_owner(engine, PAT, name="Dora", role="director", units=["2.3"], telegram_id=300003)
    code = _luis(engine)
    done = redeem(engine, PAT, code, telegram_id=300003, username=None, now=NOW)
    assert done.outcome is Outcome.OTHER_PERSON and done.person is None
    assert _owner(engine, "Luis").telegram_id is None
    assert _owner(engine, "Dora").telegram_id == 300003
    # the code was not spent: Luis himself can still use it
    assert redeem(engine, PAT, code, telegram_id=222, username=None, now=NOW).outcome is (
        Outcome.REGISTERED
    )


def test_a_new_code_revokes_the_earlier_ones(engine: Engine) -> None:
    first = _luis(engine)
    _, second = invite(engine, PAT, "luis@inm.example.mx", now=NOW)
    assert redeem(engine, PAT, first, telegram_id=222, username=None, now=NOW).outcome is (
        Outcome.BAD_CODE
    )
    assert redeem(engine, PAT, second, telegram_id=222, username=None, now=NOW).outcome is (
        Outcome.REGISTERED
    )


def test_a_registered_person_moves_to_another_account_only_with_a_replacement_code(
    engine: Engine,
) -> None:
    add_owner(engine, PAT, name="Eva", role="planning", units=[], email="eva@inm.example.mx",
              telegram_id=400001)  # fmt: skip
    with pytest.raises(OwnerError, match="--replace"):
        invite(engine, PAT, "eva@inm.example.mx", now=NOW)
    # a code issued before she registered (by @username, say) cannot move her either
    add_owner(engine, PAT, name="Iris", role="capture", units=["2.3"], email="iris@inm.example.mx")
    _, early = invite(engine, PAT, "iris@inm.example.mx", now=NOW)
    add_owner(engine, PAT, name="Iris", role="capture", units=["2.3"], email="iris@inm.example.mx",
              telegram_id=500005)  # fmt: skip
    refused = redeem(engine, PAT, early, telegram_id=666, username=None, now=NOW)
    assert (
        refused.outcome is Outcome.BOUND_ELSEWHERE and _owner(engine, "Iris").telegram_id == 500005
    )

    _, code = invite(engine, PAT, "eva@inm.example.mx", now=NOW, replace=True)
    done = redeem(engine, PAT, code, telegram_id=400002, username=None, now=NOW)
    assert done.outcome is Outcome.REGISTERED and done.replaced_account == 400001
    assert _owner(engine, "Eva").telegram_id == 400002
    assert identify(engine, PAT, 400001) is None


def test_failed_codes_are_throttled_per_account_by_the_given_clock(engine: Engine) -> None:
    code = _luis(engine)
    for minute in range(MAX_FAILED_STARTS):
        at = NOW + dt.timedelta(minutes=minute)
        assert redeem(engine, PAT, f"GUESS{minute}", telegram_id=777, username=None,
                      now=at).outcome is Outcome.BAD_CODE  # fmt: skip
    # now even the right code is not read from this account, for an hour after the first guess
    late = NOW + dt.timedelta(minutes=30)
    done = redeem(engine, PAT, code, telegram_id=777, username=None, now=late)
    assert done.outcome is Outcome.THROTTLED and done.retry_at == NOW + dt.timedelta(hours=1)
    assert _owner(engine, "Luis").telegram_id is None
    # another account is not held back by this one's guesses
    other = redeem(engine, PAT, "GUESS", telegram_id=778, username=None, now=late)
    assert other.outcome is Outcome.BAD_CODE
    after = NOW + dt.timedelta(hours=1, minutes=1)
    assert redeem(engine, PAT, code, telegram_id=777, username=None, now=after).outcome is (
        Outcome.REGISTERED
    )


def test_revoke_spends_the_codes_and_with_account_unbinds_it(engine: Engine) -> None:
    code = _luis(engine)
    person, revoked, unbound = revoke(engine, PAT, "luis@inm.example.mx", now=NOW)
    assert (person.name, revoked, unbound) == ("Luis", 1, None)
    assert redeem(engine, PAT, code, telegram_id=222, username=None, now=NOW).outcome is (
        Outcome.BAD_CODE
    )
    add_owner(engine, PAT, name="Luis", role="director", units=["2"], email="luis@inm.example.mx",
              telegram_id=222)  # fmt: skip
    _, revoked, unbound = revoke(engine, PAT, "luis@inm.example.mx", account=True, now=NOW)
    assert (revoked, unbound) == (0, 222) and identify(engine, PAT, 222) is None


def test_a_telegram_id_is_one_person_and_may_need_64_bits(engine: Engine) -> None:
    big = 7_123_456_789  # Telegram ids may need more than 32 bits
    add_owner(engine, PAT, name="Ana", role="capture", units=["2.3"], telegram_id=big)
    assert identify(engine, PAT, big) is not None and identify(engine, PAT, big).name == "Ana"  # type: ignore[union-attr]
    with pytest.raises(OwnerError, match="ya es de Ana"):
        add_owner(engine, PAT, name="Bruno", role="capture", units=["2.3"], telegram_id=big)


def test_inviting_an_unknown_email_says_how_to_add_the_person(engine: Engine) -> None:
    with pytest.raises(OwnerError, match="Responsables"):
        invite(engine, PAT, "nadie@inm.example.mx")
