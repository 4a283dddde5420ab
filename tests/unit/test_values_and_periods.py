"""What people type: figures, periods and codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Period, PeriodError, parse_period
from semaforo.codes import nearest_codes, normalise_code
from semaforo.values import Number, Rejected, parse_number


@pytest.mark.parametrize(
    ("typed", "value", "percent"),
    [
        ("95%", 95.0, True),
        ("95 %", 95.0, True),
        ("0.95", 0.95, False),
        ("95,5", 95.5, False),
        ("1,314", 1314.0, False),
        ("5,256.5", 5256.5, False),
        (" 12 ", 12.0, False),
        ("12\u00a0000", 12000.0, False),
        ("$2,600", 2600.0, False),
        ("1.314.000", 1314000.0, False),
        ("1.314,5", 1314.5, False),
        ("-3", -3.0, False),
        ("+7", 7.0, False),
        (".5", 0.5, False),
    ],
)
def test_typed_figures_read_as_their_author_meant(typed: str, value: float, percent: bool) -> None:
    assert parse_number(typed) == Number(value, percent=percent)


@pytest.mark.parametrize("typed", ["", "   ", "\u00a0"])
def test_an_empty_cell_is_no_value_rather_than_an_error(typed: str) -> None:
    assert parse_number(typed) is None


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("N/A", "no es un valor"),
        ("—", "no es un valor"),
        ("-", "no es un valor"),
        ("=A1/B1", "fórmula"),
        ("15/03/2019", "fecha"),
        ("2019-03-15", "fecha"),
        ("doce", "no es un número"),
        ("1e3", "no es un número"),
        ("nan", "no es un número"),
        ("inf", "no es un número"),
        ("1,2,3", "no es un número"),
    ],
)
def test_text_that_is_not_a_figure_is_rejected_with_a_reason(typed: str, reason: str) -> None:
    result = parse_number(typed)
    assert isinstance(result, Rejected) and reason in result.reason


@given(st.text())
def test_the_figure_parser_never_raises(text: str) -> None:
    assert parse_number(text) is None or isinstance(parse_number(text), Number | Rejected)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_numbers_written_with_thousands_separators_read_back(whole: int, cents: int) -> None:
    en = f"{whole:,}.{cents:02d}"  # en and es_MX: 1,314.50
    # the decimal the person wrote, not whole + cents / 100 (1 + 0.64 is 1.6400000000000001)
    assert parse_number(en) == Number(float(f"{whole}.{cents:02d}"))
    assert parse_number(f"{whole:,}") == Number(float(whole))


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=1, max_value=9))
def test_a_decimal_comma_reads_back(whole: int, tenth: int) -> None:
    assert parse_number(f"{whole},{tenth}") == Number(whole + tenth / 10)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2019-03", Period.month(2019, 3)),
        ("2019-3", Period.month(2019, 3)),
        ("mar", Period.month(2019, 3)),
        ("Marzo", Period.month(2019, 3)),
        ("2019-T1", Period.quarter(2019, 1)),
        ("t4", Period.quarter(2019, 4)),
        ("2019", Period.whole_year(2019)),
        ("2019-ytd", Period.year_to_date(2019, 5)),
        ("2019-ytd-02", Period.year_to_date(2019, 2)),
    ],
)
def test_periods_are_read_in_every_form_the_bot_and_cli_accept(text: str, period: Period) -> None:
    assert parse_period(text, programme_year=2019, as_of_month=5) == period


@pytest.mark.parametrize(
    "text",
    ["2019-13", "2019-T5", "marzoo", "", "13/2019", "quinto trimestre", "mar abr", "2019 2020"],
)
def test_unreadable_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(PeriodError, match="use mar, marzo 2019, 03/2019, 2019-03, T1"):
        parse_period(text, programme_year=2019)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("mar 2019", Period.month(2019, 3)),
        ("Marzo de 2019", Period.month(2019, 3)),
        ("03/2019", Period.month(2019, 3)),
        ("2019/03", Period.month(2019, 3)),
        ("1T", Period.quarter(2019, 1)),
        ("T2 2019", Period.quarter(2019, 2)),
        ("primer trimestre", Period.quarter(2019, 1)),
        ("3er trimestre 2019", Period.quarter(2019, 3)),
        ("cuarto trimestre", Period.quarter(2019, 4)),
        ("ytd", Period.year_to_date(2019, 5)),
    ],
)
def test_periods_are_read_as_people_type_them(text: str, period: Period) -> None:
    assert parse_period(text, programme_year=2019, as_of_month=5) == period


def test_a_period_outside_the_programme_year_is_refused() -> None:
    with pytest.raises(PeriodError, match="fuera del programa"):
        parse_period("2020-01", programme_year=2019)


def test_codes_are_normalised_and_mistyped_ones_get_neighbours() -> None:
    assert normalise_code(" 2.3. ") == "2.3"
    assert normalise_code("or-09") == "OR-09"
    assert "2.3.1" in nearest_codes("2.3.9", ["2.3.1", "2.3.2", "5.1.1"])
