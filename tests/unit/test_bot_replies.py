"""The bot's words and buttons, and how it reads command arguments (pure)."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.arguments import TooLong, UsageError, code_and_period, looks_like_period
from bot.replies import LIMIT, parse_data, split, status_reply, units
from scoring import Colour, Period, Result
from semaforo.catalogue.files import StoredProgramme
from semaforo.service import StatusAnswer


def _answer(node: Result) -> StatusAnswer:
    # status_reply reads only the node, the period and the date of an answer
    return StatusAnswer(
        programme=cast(StoredProgramme, None),
        node=node,
        period=Period.quarter(2019, 1),
        as_of=dt.date(2019, 4, 10),
    )


def _unit(code: str, children: list[Result] | None = None, score: float = 90.0) -> Result:
    return Result(code=code, name=f"Unidad {code}", level="area", score=score,
                  colour=Colour.YELLOW, children=children or [])  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (None, None)),
        (["2.3"], ("2.3", None)),
        (["2"], ("2", None)),
        (["10"], ("10", None)),
        (["OR-09"], ("OR-09", None)),
        (["INM"], ("INM", None)),
        (["mar"], (None, "mar")),
        (["Marzo"], (None, "Marzo")),
        (["T1"], (None, "T1")),
        (["2019"], (None, "2019")),
        (["2019-03"], (None, "2019-03")),
        (["2.3", "mar"], ("2.3", "mar")),
    ],
)
def test_one_word_after_status_is_read_as_a_code_or_a_period(
    args: list[str], expected: tuple[str | None, str | None]
) -> None:
    assert code_and_period(args, "status") == expected


def test_more_than_a_code_and_a_period_of_three_words_shows_the_usage() -> None:
    with pytest.raises(UsageError, match=r"Uso: /status \[código\] \[periodo\]"):
        code_and_period(["2.3", "mar", "abril", "mayo", "junio"], "status")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2.3 mar 2019", ("2.3", "mar 2019")),
        ("mar 2019", (None, "mar 2019")),
        ("primer trimestre", (None, "primer trimestre")),
        ("2.3 primer trimestre 2019", ("2.3", "primer trimestre 2019")),
        ("2 T1", ("2", "T1")),
        ("2", ("2", None)),
        ("1T", (None, "1T")),
        ("03/2019", (None, "03/2019")),
        ("OR-09 mar", ("OR-09", "mar")),
    ],
)
def test_a_code_then_a_period_in_the_words_people_use(
    typed: str, expected: tuple[str | None, str | None]
) -> None:
    assert code_and_period(typed.split(), "status") == expected


def test_an_overlong_argument_is_refused_without_being_repeated() -> None:
    with pytest.raises(TooLong) as refused:
        code_and_period(["9" * 5000], "status")
    assert "5000 caracteres" in str(refused.value) and "9" * 41 not in str(refused.value)


def test_bare_numbers_are_codes_not_months() -> None:
    assert not looks_like_period("3")
    assert looks_like_period("sept")


def test_a_status_offers_each_child_and_the_way_up() -> None:
    node = _unit("2.3", [_unit("2.3.1"), _unit("2.3.2")])
    reply = status_reply(_answer(node), parent="2")
    labels = [label for row in reply.buttons for label, _ in row]
    assert labels == ["🟡 2.3.1", "🟡 2.3.2", "⬆ subir a 2"]
    assert parse_data(reply.buttons[0][0][1]) == ("2.3.1", "2019-T1", 0)
    assert "2.3 Unidad 2.3" in reply.text


def test_many_children_are_paged_and_every_callback_fits_telegrams_64_bytes() -> None:
    offices = [_unit(f"OR-{n:02d}") for n in range(1, 33)]
    first = status_reply(_answer(_unit("10", offices)), parent="")
    second = status_reply(_answer(_unit("10", offices)), parent="", page=1)
    assert sum(len(r) for r in first.buttons[:-1]) == 12
    assert [label for label, _ in first.buttons[-1]] == ["más ▶", "⬆ subir a Institución"]
    assert second.buttons[-1][0][0] == "◀ anteriores"
    assert all(len(data.encode()) <= 64 for row in first.buttons for _, data in row)


def test_office_indicators_get_no_button_of_their_own() -> None:
    office = _unit("OR-01", [Result(code="10.1", name="x", level="indicator", score=None,
                                    colour=Colour.NONE, office="OR-01")])  # fmt: skip
    assert status_reply(_answer(office), parent=None).buttons == ()


@pytest.mark.parametrize("data", ["", "s|2.3", "x|2.3|2019|0", "s|2.3|2019|-1", "s|a|b|c|d"])
def test_forged_or_old_callback_data_is_not_read(data: str) -> None:
    assert parse_data(data) is None


@given(st.lists(st.text(min_size=0, max_size=300), max_size=60))
def test_a_long_reply_is_split_into_messages_telegram_accepts(lines: list[str]) -> None:
    text = "\n".join(lines)
    parts = split(text, limit=500)
    assert all(len(p) <= 500 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_short_reply_is_one_message() -> None:
    assert split("hola") == ["hola"]
    assert len(split("x\n" * LIMIT)) == 2


def test_long_answers_are_split_by_telegrams_count_of_utf16_units() -> None:
    line = "🟢 " * 30 + "ñ"  # each 🟢 is one character but two units for Telegram
    message = "\n".join([line] * 200)
    parts = split(message)
    assert all(units(p) <= 4096 for p in parts) and "\n".join(parts) == message
    assert all(units(p) <= 4096 for p in split("🟢" * 5000))
