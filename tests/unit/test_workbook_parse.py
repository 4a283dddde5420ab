"""The pure middle of the sync: a snapshot of cells in, captures and cell issues out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import Catalogue, Kind, MonthPlan, Unit, UnitKind
from sheets_sync import layout
from sheets_sync.catalogue_tab import parse_owners_tab
from sheets_sync.cells import CellIssue, column_letter
from sheets_sync.keep import typed_cells
from sheets_sync.parse import parse_workbook
from sheets_sync.workbook import TabSnapshot, WorkbookSnapshot
from tests.unit.test_scoring_rules import ind, plan

HEAD = ("Código", "Oficina", "Unidad", "Indicador", "Tipo", "Meta del mes", "Numerador",
        "Denominador", "Logrado", "Justificación", "Evidencia")  # fmt: skip


def cat() -> Catalogue:
    return Catalogue(
        programme="t", name="Prueba", year=2019,
        units=(Unit("1", "DG", UnitKind.TOP, None), Unit("1.1", "Área", UnitKind.AREA, "1")),
        indicators=(
            ind("1.1.1", months=plan(mar=(100.0, 50.0))),
            ind("1.1.2", kind=Kind.COUNT, months=plan(mar=(4.0, 50.0))),
            ind("1.1.3", months=plan(mar=(0.5, 50.0))),
        ),
    )  # fmt: skip


def march(
    *rows: tuple[str, ...], header: tuple[str, ...] = HEAD, title: str = "Marzo 2019"
) -> WorkbookSnapshot:
    tab = TabSnapshot(title, 7, (("SEMÁFORO · CAPTURA · t · 2019-03",), header, *rows))
    return WorkbookSnapshot(tabs=(tab,))


def row(
    code: str, num: str = "", den: str = "", value: str = "", just: str = "", ev: str = ""
) -> tuple[str, ...]:
    return (code, "", "1.1", "x", "", "", num, den, value, just, ev)


def test_a_ratio_row_becomes_a_capture() -> None:
    parsed = parse_workbook(march(row("1.1.1", "45", "50", just="bien")), cat())
    capture = parsed.captures[("1.1.1", "", 2019, 3)]
    assert (capture.numerator, capture.denominator, capture.justification) == (45, 50, "bien")
    assert parsed.issues == []


def test_columns_are_found_by_header_text_wherever_they_moved() -> None:
    header = tuple(reversed(HEAD))
    parsed = parse_workbook(march(tuple(reversed(row("1.1.2", value="3"))), header=header), cat())
    assert parsed.captures[("1.1.2", "", 2019, 3)].value == 3


def test_headers_match_without_case_or_accents() -> None:
    header = tuple(h.upper().replace("Ó", "O") for h in HEAD)
    parsed = parse_workbook(march(row("1.1.2", value="3"), header=header), cat())
    assert ("1.1.2", "", 2019, 3) in parsed.captures


def test_a_renamed_tab_is_found_by_its_marker() -> None:
    parsed = parse_workbook(march(row("1.1.2", value="3"), title="mi pestaña"), cat())
    assert ("1.1.2", "", 2019, 3) in parsed.captures


def test_a_missing_input_column_skips_the_tab_and_says_so() -> None:
    header = tuple("Otra" if h == "Logrado" else h for h in HEAD)
    parsed = parse_workbook(march(row("1.1.2", value="3"), header=header), cat())
    assert parsed.captures == {} and any("Logrado" in p for p in parsed.problems)


def test_a_repeated_row_is_rejected_and_not_read_twice() -> None:
    parsed = parse_workbook(march(row("1.1.2", value="3"), row("1.1.2", value="4")), cat())
    assert parsed.captures[("1.1.2", "", 2019, 3)].value == 3
    assert [i.cell for i in parsed.rejected] == ["A4"]


def test_an_empty_row_is_a_cleared_capture() -> None:
    parsed = parse_workbook(march(row("1.1.2")), cat())
    assert parsed.cleared == {("1.1.2", "", 2019, 3)}


def test_justification_without_figures_is_rejected() -> None:
    parsed = parse_workbook(march(row("1.1.2", just="no hubo")), cat())
    assert parsed.captures == {} and "ninguna cifra" in parsed.rejected[0].reason


def test_a_count_typed_as_numerator_and_denominator_is_rejected() -> None:
    parsed = parse_workbook(march(row("1.1.2", "3", "4")), cat())
    assert parsed.rejected[0].cell == "G3" and "Logrado" in parsed.rejected[0].reason


@pytest.mark.parametrize(("typed", "percent"), [("95%", 95.0), ("95", 95.0), ("0.95", 95.0)])
def test_a_ratio_percent_in_logrado_is_read_and_warned(typed: str, percent: float) -> None:
    parsed = parse_workbook(march(row("1.1.1", value=typed)), cat())
    capture = parsed.captures[("1.1.1", "", 2019, 3)]
    assert 100 * (capture.numerator or 0) / (capture.denominator or 1) == pytest.approx(percent)
    assert [i.severity for i in parsed.issues] == ["warning"]


def test_a_fraction_is_ambiguous_when_the_target_itself_is_below_one_percent() -> None:
    parsed = parse_workbook(march(row("1.1.3", value="0.4")), cat())
    assert "ambiguo" in parsed.rejected[0].reason


def test_every_issue_names_its_owners_unit() -> None:
    parsed = parse_workbook(march(row("1.1.1", "x", "2")), cat())
    assert parsed.rejected[0].unit == "1.1" and parsed.rejected[0].tab == "Marzo 2019"


def test_an_unknown_code_is_reported_not_guessed() -> None:
    parsed = parse_workbook(march(row("1.1.9", value="3")), cat())
    assert parsed.captures == {} and "código desconocido" in parsed.issues[0].reason


def test_missing_tabs_are_reported() -> None:
    parsed = parse_workbook(march(row("1.1.2", value="3")), cat())
    assert any("Abril 2019" in p for p in parsed.problems)
    assert any("Catálogo" in p for p in parsed.problems)


def test_typed_cells_are_what_init_writes_back() -> None:
    snapshot = march(row("1.1.1", "N/A", "", just="pendiente"))
    assert typed_cells(snapshot.tabs[0])[("1.1.1", "")] == ("N/A", "", "", "pendiente", "")


def test_the_layout_reads_back_through_the_parser() -> None:
    catalogue = cat()
    tab = layout.capture_tab(catalogue, 3, typed={("1.1.1", ""): ("9", "10", "", "", "")})
    as_text = tuple(tuple("" if c is None else str(c) for c in r) for r in tab.rows)
    parsed = parse_workbook(WorkbookSnapshot(tabs=(TabSnapshot(tab.title, 1, as_text),)), catalogue)
    assert parsed.captures[("1.1.1", "", 2019, 3)].numerator == 9
    assert {k[0] for k in parsed.cleared} == {"1.1.2", "1.1.3"}


def test_office_rows_carry_the_office_code() -> None:
    catalogue = Catalogue(
        programme="t", name="Prueba", year=2019,
        units=(Unit("10", "OR", UnitKind.OFFICE_BRANCH, None),
               Unit("OR-09", "CDMX", UnitKind.OFFICE, "10")),
        indicators=(ind("10.1", unit="10", office_indicator=True, months={}),),
        office_months={"10.1": {"": {3: MonthPlan(100.0, 100.0)}}},
    )  # fmt: skip
    office_row = ("10.1", "or-09", "OR-09", "x", "", "", "9", "10", "", "", "")
    parsed = parse_workbook(march(office_row), catalogue)
    assert ("10.1", "OR-09", 2019, 3) in parsed.captures


@given(st.integers(min_value=0, max_value=2000))
def test_column_letters_follow_the_spreadsheet_alphabet(index: int) -> None:
    letters = column_letter(index)
    value = 0
    for ch in letters:
        value = value * 26 + ord(ch) - 64
    assert value - 1 == index


@given(st.lists(st.text(max_size=12), min_size=11, max_size=11))
def test_the_parser_never_raises_whatever_is_typed(cells: list[str]) -> None:
    cells[0] = "1.1.1"
    parse_workbook(march(tuple(cells)), cat())
    cells[0] = "1.1.2"
    parse_workbook(march(tuple(cells)), cat())


def test_one_telegram_account_is_one_person_on_the_owners_tab() -> None:
    tab = TabSnapshot("Responsables", 9, (
        (layout.owners_marker("t"),),
        layout.OWNER_HEADERS,
        ("Ana", "ana@x.mx", "111", "captura", "1.1"),
        ("Bruno", "bruno@x.mx", "111", "director", "1.1"),
        ("Carla", "carla@x.mx", "@carla_c", "captura", "1.1"),
        ("Dora", "dora@x.mx", "@Carla_C", "captura", "1.1"),
        ("Eva", "eva@x.mx", "", "captura", "1.1"),
        ("Fede", "fede@x.mx", "", "captura", "1.1"),
    ))  # fmt: skip
    issues: list[CellIssue] = []
    owners = parse_owners_tab(tab, cat(), issues, [])
    assert owners is not None and [o.name for o in owners] == ["Ana", "Carla", "Eva", "Fede"]
    assert [(i.cell, i.reason) for i in issues] == [
        ("C4", "esa cuenta ya está en la fila 3: es una persona; la fila no se leyó"),
        ("C6", "esa cuenta ya está en la fila 5: es una persona; la fila no se leyó"),
    ]
