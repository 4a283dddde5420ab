"""Approved and modified targets, pure: which month edits are approvals and which are
modifications, and the «Catálogo» tab's rule (a modification needs a new reason on its row)."""

from __future__ import annotations

import datetime as dt

from scoring import Catalogue, MonthPlan
from semaforo.formatting import modification_text
from semaforo.targets import COMMAND, TargetBook, TargetChange, month_edits
from sheets_sync import layout
from sheets_sync.parse import parse_workbook
from sheets_sync.workbook import TabSnapshot, WorkbookSnapshot
from tests.unit.test_scoring_rules import ind, plan
from tests.unit.test_workbook_parse import cat

WHEN = dt.datetime(2019, 3, 10, 17, 0, tzinfo=dt.UTC)


def change(
    before: tuple[float, float] | None,
    after: tuple[float, float] | None,
    *,
    reason: str = "Reprogramación",
    source: str = "sheet:pat.xlsx",
) -> TargetChange:
    return TargetChange(
        indicator="1.1.1", office="", month=3, approved=MonthPlan(100.0, 50.0),
        before=MonthPlan(*before) if before else None, after=MonthPlan(*after) if after else None,
        reason=reason, source=source, changed_at=WHEN,
    )  # fmt: skip


def catalogue_row(march: tuple[str, str], reason: str = "") -> tuple[str, ...]:
    months = [""] * 24
    months[4:6] = march  # Mar meta, Mar pond.
    return ("1.1.1", "", "1.1", "x", "cociente", "ascendente", "100", "50", "", "", "",
            *months, reason)  # fmt: skip


def catalogue_tab(*rows: tuple[str, ...]) -> WorkbookSnapshot:
    tab = TabSnapshot(
        "Catálogo", 1, ((layout.catalogue_marker("t"),), layout.CATALOGUE_HEADERS, *rows)
    )
    return WorkbookSnapshot(tabs=(tab,))


def test_a_month_with_no_approved_target_is_approved_not_modified() -> None:
    [edit] = month_edits({}, plan(mar=(95.0, 12.5)), withdrawn=())
    assert (edit.month, edit.before, edit.approved) == (3, None, False)


def test_changing_or_emptying_an_approved_month_is_a_modification() -> None:
    approved = plan(mar=(100.0, 50.0), abr=(100.0, 50.0))
    edits = month_edits(approved, plan(mar=(90.0, 50.0)), withdrawn=())
    assert [(e.month, e.after, e.approved) for e in edits] == [
        (3, MonthPlan(90.0, 50.0), True),
        (4, None, True),  # emptied: not due any more
    ]
    # a month a modification left not due is still approved: setting it again is a modification
    [again] = month_edits({}, plan(abr=(80.0, 50.0)), withdrawn={4})
    assert again.approved


def test_an_unchanged_row_has_no_edits_whatever_its_share() -> None:
    current = {3: MonthPlan(100.0, 50.0, share=8.3)}
    assert month_edits(current, plan(mar=(100.0, 50.0)), withdrawn=()) == []


def test_a_changed_target_without_a_reason_is_rejected_naming_cell_value_and_reason() -> None:
    parsed = parse_workbook(catalogue_tab(catalogue_row(("90", "50"))), cat())
    assert parsed.catalogue is not None and ("1.1.1", "") not in parsed.catalogue.plans
    [issue] = parsed.rejected
    assert (issue.tab, issue.cell, issue.value) == ("Catálogo", "P3", "90")
    assert "marzo tiene meta aprobada" in issue.reason
    assert "meta 100 con ponderación 50 a meta 90 con ponderación 50" in issue.reason
    assert "«Motivo de la modificación»" in issue.reason and "siguen las metas" in issue.reason


def test_a_changed_weight_alone_names_the_weight_cell() -> None:
    parsed = parse_workbook(catalogue_tab(catalogue_row(("100", "40"))), cat())
    assert [(i.cell, i.value) for i in parsed.rejected] == [("Q3", "40")]


def test_a_changed_target_with_a_reason_is_applied_with_it() -> None:
    row = catalogue_row(("90", "50"), reason="Cierre temporal de la oficina")
    parsed = parse_workbook(catalogue_tab(row), cat())
    assert parsed.rejected == []
    assert parsed.catalogue is not None
    assert parsed.catalogue.plans[("1.1.1", "")] == {3: MonthPlan(90.0, 50.0)}
    assert parsed.catalogue.reasons[("1.1.1", "")] == "Cierre temporal de la oficina"


def test_a_reason_already_recorded_for_the_row_does_not_justify_a_new_change() -> None:
    book = TargetBook((change((100.0, 50.0), (90.0, 50.0)),), frozenset({("1.1.1", "", 3)}))
    catalogue = modified_march(90.0)
    row = catalogue_row(("80", "50"), reason="Reprogramación")  # left in the cell
    parsed = parse_workbook(catalogue_tab(row), catalogue, book)
    [issue] = parsed.rejected
    assert (issue.cell, issue.value) == ("AJ3", "Reprogramación")
    assert "motivo de una modificación anterior (2019-03-10)" in issue.reason
    fresh = catalogue_row(("80", "50"), reason="Segunda reprogramación")
    assert parse_workbook(catalogue_tab(fresh), catalogue, book).rejected == []


def test_a_sheet_that_still_shows_what_a_command_replaced_keeps_the_value_in_force() -> None:
    by_command = change((100.0, 50.0), (90.0, 50.0), reason="Oficio DG-12", source=COMMAND)
    book = TargetBook((by_command,), frozenset({("1.1.1", "", 3)}))
    parsed = parse_workbook(catalogue_tab(catalogue_row(("100", "50"))), modified_march(90.0), book)
    assert parsed.rejected == []
    assert parsed.catalogue is not None
    assert parsed.catalogue.plans[("1.1.1", "")] == {3: MonthPlan(90.0, 50.0)}
    [warning] = parsed.issues
    assert warning.severity == "warning" and warning.cell == "P3"
    assert "sheet init" in warning.reason and "Oficio DG-12" in warning.reason
    # with a new reason on the row, the sheet's 100 is a deliberate change back
    back = catalogue_row(("100", "50"), reason="Se restituye la meta aprobada")
    again = parse_workbook(catalogue_tab(back), modified_march(90.0), book)
    assert again.catalogue is not None and again.issues == []
    assert again.catalogue.plans[("1.1.1", "")] == {3: MonthPlan(100.0, 50.0)}


def test_the_sheets_older_reason_does_not_undo_a_later_command_modification() -> None:
    by_sheet = change((100.0, 50.0), (90.0, 50.0), reason="Reprogramación")
    by_command = change((90.0, 50.0), (85.0, 40.0), reason="Oficio DG-12", source=COMMAND)
    book = TargetBook((by_sheet, by_command), frozenset({("1.1.1", "", 3)}))
    stale = catalogue_row(("90", "50"), reason="Reprogramación")  # as the sheet still has it
    parsed = parse_workbook(catalogue_tab(stale), modified_march(85.0, 40.0), book)
    assert parsed.catalogue is not None and parsed.rejected == []
    assert parsed.catalogue.plans[("1.1.1", "")] == {3: MonthPlan(85.0, 40.0)}
    assert [i.severity for i in parsed.issues] == ["warning"]


def test_the_catalogue_tab_has_the_reason_column_with_each_rows_last_reason() -> None:
    tab = layout.catalogue_tab(cat(), reasons={("1.1.1", ""): "Reprogramación"})
    assert tab.rows[1][-1] == layout.REASON_HEADER
    row = next(r for r in tab.rows[2:] if r[0] == "1.1.1")
    assert row[-1] == "Reprogramación"
    assert all(r[-1] == "" for r in tab.rows[2:] if r[0] != "1.1.1")


def test_a_modification_reads_approved_in_force_and_reason() -> None:
    text = modification_text(change((100.0, 50.0), (90.0, 40.0)), unit="%")
    assert text == (
        "marzo: aprobada 100% (pond. 50) → vigente 90% (pond. 40); motivo: «Reprogramación» "
        "(hoja «Catálogo», 2019-03-10)"
    )
    gone = modification_text(change((100.0, 50.0), None, source=COMMAND), locale="en")
    assert gone.startswith("March: approved 100 (weight 50) → in force no target")
    assert gone.endswith("(command, 2019-03-10)")


def modified_march(target: float, weight: float = 50.0) -> Catalogue:
    base = cat()
    return Catalogue(
        programme="t", name="Prueba", year=2019, units=base.units,
        indicators=(ind("1.1.1", months=plan(mar=(target, weight))), *base.indicators[1:]),
    )  # fmt: skip
