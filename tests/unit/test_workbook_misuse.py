"""What people do to a shared workbook that used to pass silently: every case is reported,
naming the cell or the tabs, and the previous value is kept (nothing is read from it)."""

from __future__ import annotations

import pytest

from scoring import Catalogue, MonthPlan
from sheets_sync import layout
from sheets_sync.parse import parse_workbook
from sheets_sync.workbook import TabSnapshot, WorkbookSnapshot
from tests.unit.test_scoring_rules import ind, plan
from tests.unit.test_workbook_parse import HEAD, cat, march, row

MARCH = layout.capture_marker("t", 2019, 3)
APRIL = layout.capture_marker("t", 2019, 4)


def tab(title: str, marker: str, *rows: tuple[str, ...]) -> TabSnapshot:
    return TabSnapshot(title, hash(title) % 1000, ((marker,), HEAD, *rows))


def two_months() -> Catalogue:
    base = cat()
    months = plan(mar=(100.0, 50.0), abr=(100.0, 50.0))
    indicators = (ind("1.1.1", months=months), *base.indicators[1:])
    return Catalogue(
        programme="t", name="Prueba", year=2019, units=base.units, indicators=indicators
    )


def test_a_month_marker_typed_into_another_months_tab_reads_neither_month() -> None:
    snapshot = WorkbookSnapshot(tabs=(
        tab("Marzo 2019", APRIL, row("1.1.1", "45", "50")),
        tab("Abril 2019", APRIL, row("1.1.1", "10", "50")),
    ))  # fmt: skip
    parsed = parse_workbook(snapshot, two_months())
    assert parsed.captures == {} and parsed.cleared == set()
    assert parsed.months_read == set()
    april = next(p for p in parsed.problems if "abril 2019 lo reclaman" in p)
    assert "«Marzo 2019»" in april and "«Abril 2019»" in april
    march_ = next(p for p in parsed.problems if "captura de marzo 2019" in p)
    assert "«Marzo 2019»" in march_ and "no se leyó" in march_


def test_a_duplicated_month_tab_is_reported_with_both_names_and_not_read() -> None:
    snapshot = WorkbookSnapshot(tabs=(
        tab("Copia de Marzo 2019", MARCH, row("1.1.1", "1", "50")),
        tab("Marzo 2019", MARCH, row("1.1.1", "45", "50")),
    ))  # fmt: skip
    parsed = parse_workbook(snapshot, cat())
    assert parsed.captures == {} and 3 not in parsed.months_read
    assert any("«Copia de Marzo 2019» y «Marzo 2019»" in p for p in parsed.problems)


def test_a_renamed_tab_that_is_the_only_claimant_is_still_read() -> None:
    parsed = parse_workbook(WorkbookSnapshot(tabs=(tab("Mar", MARCH, row("1.1.2", value="3")),)),
                            cat())  # fmt: skip
    assert ("1.1.2", "", 2019, 3) in parsed.captures


def test_a_row_with_values_but_no_code_is_reported() -> None:
    parsed = parse_workbook(march(row("", "45", "50")), cat())
    assert parsed.captures == {}
    assert [(i.cell, i.value) for i in parsed.rejected] == [("G3", "45")]
    assert "sin código" in parsed.rejected[0].reason


def test_a_copied_central_row_with_an_office_is_rejected_and_the_original_kept() -> None:
    copy = ("1.1.1", "OR-09", "1.1", "x", "", "", "5", "10", "", "", "")
    parsed = parse_workbook(march(row("1.1.1", "45", "50"), copy), cat())
    assert parsed.captures[("1.1.1", "", 2019, 3)].numerator == 45
    assert [i.cell for i in parsed.rejected] == ["B4"]
    assert "indicador central" in parsed.rejected[0].reason


def test_a_copied_column_with_the_same_header_leaves_the_tab_unread() -> None:
    header = (*HEAD, "Numerador")
    parsed = parse_workbook(march((*row("1.1.1", "45", "50"), "99"), header=header), cat())
    assert parsed.captures == {} and 3 not in parsed.months_read
    assert any("«Numerador» está repetida (G y L)" in p for p in parsed.problems)


def test_logrado_beside_numerator_and_denominator_is_rejected() -> None:
    parsed = parse_workbook(march(row("1.1.1", "45", "50", value="90")), cat())
    assert parsed.captures == {}
    assert parsed.rejected[0].cell == "I3" and "no con ambos" in parsed.rejected[0].reason


def test_a_value_in_a_month_that_is_not_programmed_is_rejected() -> None:
    parsed = parse_workbook(march(row("1.1.1", "45", "50")), two_months_but_march_off())
    assert parsed.captures == {}
    assert "no está programado" in parsed.rejected[0].reason


def two_months_but_march_off() -> Catalogue:
    base = cat()
    indicators = (ind("1.1.1", months=plan(abr=(100.0, 50.0))), *base.indicators[1:])
    return Catalogue(
        programme="t", name="Prueba", year=2019, units=base.units, indicators=indicators
    )


@pytest.mark.parametrize(("typed", "said"), [("1", "se leyó como 100 %"),
                                             ("130%", "130 % supera el 100 %")])  # fmt: skip
def test_a_ratio_percent_says_how_it_was_read(typed: str, said: str) -> None:
    parsed = parse_workbook(march(row("1.1.1", value=typed)), cat())
    assert said in parsed.issues[0].reason and parsed.issues[0].severity == "warning"


def test_a_repeated_catalogue_row_applies_neither_and_names_both_rows() -> None:
    months = [""] * 24
    months[4:6] = ["80", "50"]  # Mar meta, Mar pond.
    first = ("1.1.1", "", "1.1", "x", "cociente", "ascendente", "100", "50", "", "", "", *months)
    months2 = list(months)
    months2[4] = "60"
    second = (*first[:11], *months2)
    catalogue_tab = TabSnapshot(
        "Catálogo", 1, ((layout.catalogue_marker("t"),), layout.CATALOGUE_HEADERS, first, second)
    )
    parsed = parse_workbook(WorkbookSnapshot(tabs=(catalogue_tab,)), cat())
    assert parsed.catalogue is not None and ("1.1.1", "") not in parsed.catalogue.plans
    assert [i.cell for i in parsed.rejected] == ["A4"]
    assert "también en la fila 3" in parsed.rejected[0].reason


def test_captures_are_read_against_the_targets_set_in_the_same_sync() -> None:
    catalogue = two_months_but_march_off()
    months = [""] * 24
    months[4:8] = ["90", "50", "100", "50"]  # March approved here; April as approved
    row_ = ("1.1.1", "", "1.1", "x", "cociente", "ascendente", "100", "50", "", "", "", *months)
    catalogue_tab = TabSnapshot(
        "Catálogo", 1, ((layout.catalogue_marker("t"),), layout.CATALOGUE_HEADERS, row_)
    )
    march_tab = march(row("1.1.1", "45", "50")).tabs[0]
    parsed = parse_workbook(WorkbookSnapshot(tabs=(catalogue_tab, march_tab)), catalogue)
    assert parsed.catalogue is not None
    assert parsed.catalogue.plans[("1.1.1", "")][3] == MonthPlan(90.0, 50.0)
    assert ("1.1.1", "", 2019, 3) in parsed.captures


@pytest.mark.parametrize("typed", ["%", "+%", "-%", "$"])
def test_a_cell_with_only_a_sign_is_rejected_not_a_crash(typed: str) -> None:
    parsed = parse_workbook(march(row("1.1.2", value=typed)), cat())
    assert parsed.captures == {} and parsed.rejected[0].cell == "I3"
