"""Messages echo what people typed so that they can see it: invisible characters named, long
values cut, numbers written plainly."""

from __future__ import annotations

import pytest

from semaforo.values import Number, parse_number, plain, shown


def test_an_invisible_character_in_a_number_is_dropped_and_named_when_echoed() -> None:
    assert parse_number("95\u200b") == Number(95.0)
    assert shown("9\u200b5 x") == "9⟨U+200B⟩5 x"


def test_a_long_value_is_cut_and_its_length_said() -> None:
    text = shown("x" * 5714)
    assert len(text) < 110 and text.endswith("… (5,714 caracteres)")
    rejected = parse_number("texto " * 1000)
    assert rejected is not None and not isinstance(rejected, Number)
    assert len(rejected.reason) < 160


@pytest.mark.parametrize(
    ("number", "written"),
    [(1e-07, "0.0000001"), (1314.67, "1314.67"), (12.0, "12"), (5256.5, "5256.5"), (0.0, "0")],
)
def test_numbers_are_written_plainly(number: float, written: str) -> None:
    assert plain(number) == written
