"""People from the command line, and one-time invitations (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from semaforo.errors import UnknownCode
from semaforo.people.owners import OwnerError, add_owner, invite, list_owners, redeem

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


def test_an_invitation_is_redeemed_once(engine: Engine) -> None:
    add_owner(engine, PAT, name="Luis", role="director", units=["2"], email="luis@inm.example.mx")
    owner, code = invite(engine, PAT, "LUIS@inm.example.mx", now=NOW)
    assert owner.name == "Luis" and len(code) == 10
    redeemed = redeem(engine, PAT, code.lower(), telegram_id=222, username="luis_r", now=NOW)
    assert redeemed is not None and redeemed.telegram_id == 222
    assert redeem(engine, PAT, code, telegram_id=333, username=None, now=NOW) is None


def test_an_old_or_unknown_code_registers_nobody(engine: Engine) -> None:
    add_owner(engine, PAT, name="Luis", role="director", units=["2"], email="luis@inm.example.mx")
    _, code = invite(engine, PAT, "luis@inm.example.mx", now=NOW)
    late = NOW + dt.timedelta(days=8)
    assert redeem(engine, PAT, code, telegram_id=222, username=None, now=late) is None
    assert redeem(engine, PAT, "NOPE", telegram_id=222, username=None, now=NOW) is None


def test_inviting_an_unknown_email_says_how_to_add_the_person(engine: Engine) -> None:
    with pytest.raises(OwnerError, match="Responsables"):
        invite(engine, PAT, "nadie@inm.example.mx")
