"""`sheet init` and `sync` on a real .xlsx file and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from scoring import Colour, MonthPlan
from semaforo import service
from semaforo.store import captures, models
from semaforo.store.engine import transaction
from sheets_sync.sync import init_workbook, sync
from sheets_sync.workbook import WorkbookError
from sheets_sync.xlsx import XlsxWorkbook
from tests.integration.test_init_merge import unsynced_edits_survive_init
from tests.integration.workbooks import PAT, SAMPLE, find_row, rows_in, type_cells

AS_OF = dt.date(2019, 4, 10)


test_unsynced_catalogue_owner_and_capture_edits_survive_init = unsynced_edits_survive_init
"""`sheet init` applies unsynced edits first (on both databases; the test is in test_init_merge)."""


def test_init_then_sync_of_an_unchanged_workbook_writes_nothing(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    history = rows_in(engine, models.CaptureHistory)
    report = sync(engine, ready, PAT)
    assert report.outcome == "ok" and report.total_changes == 0 and report.rejected == 0
    assert rows_in(engine, models.CaptureHistory) == history
    assert rows_in(engine, models.SyncRun) == 1  # only the run itself is recorded


def test_a_reminder_link_follows_the_indicator_row_when_rows_are_inserted_above_it(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    def march_link() -> str:
        with transaction(engine) as session:
            return captures.row_links(session=session, programme_id=PAT)[(3, "2.3.1", "")]

    file = ready.path.resolve().as_uri()
    first = sync(engine, ready, PAT)
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    assert first.links_changed > 0 and march_link() == f"{file}#'Marzo 2019'!A{row}"
    assert sync(engine, ready, PAT).links_changed == 0  # unchanged: no link rewritten
    book = load_workbook(ready.path)
    book["Marzo 2019"].insert_rows(row - 1, 2)  # two rows inserted just above 2.3.1
    book.save(ready.path)

    moved = sync(engine, ready, PAT)

    assert find_row(ready.path, "Marzo 2019", "2.3.1") == row + 2
    assert march_link() == f"{file}#'Marzo 2019'!A{row + 2}"
    assert moved.links_changed > 0 and moved.total_changes == 0  # links are not typed data
    with transaction(engine) as session:
        links = captures.row_links(session=session, programme_id=PAT)
    assert (2, "2.3.1", "") in links  # February's rows did not move and are still there


def test_workbook_has_catalogue_owners_and_twelve_month_tabs(ready: XlsxWorkbook) -> None:
    titles = load_workbook(ready.path).sheetnames
    assert titles[:2] == ["Catálogo", "Responsables"]
    assert titles[2:] == [f"{m} 2019" for m in (
        "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
        "Octubre", "Noviembre", "Diciembre")]  # fmt: skip
    march = load_workbook(ready.path)["Marzo 2019"]
    assert march.freeze_panes == "B3"
    row = find_row(ready.path, "Marzo 2019", "1.1.1")
    assert march[f"F{row}"].value == "no programado"  # 1.1.1 is due in December only


def test_editing_a_value_changes_status_and_history_keeps_both(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    before = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node.score
    type_cells(ready.path, "Marzo 2019", {f"G{row}": 50, f"H{row}": 100})
    report = sync(engine, ready, PAT)
    assert report.changed == 1
    after = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node.score
    assert after == pytest.approx(50.0) and after != before
    with transaction(engine) as session:
        history = captures.capture_history(session=session, programme_id=PAT, indicator="2.3.1")
        march = [(h.change, h.numerator) for h in history if h.month == 3]
    assert march[0][0] == "created" and march[-1] == ("changed", 50.0)


BAD_VALUES = [
    ("N/A", "no es un valor"),
    ("—", "no es un valor"),
    ("=G5/0", "fórmula"),
    (dt.datetime(2019, 3, 15), "fecha"),
    (-5, "negativo"),
    ("doce", "no es un número"),
]


@pytest.mark.parametrize(("typed", "reason"), BAD_VALUES)
def test_a_bad_value_is_rejected_and_the_last_good_value_is_still_scored(
    engine: Engine, ready: XlsxWorkbook, typed: object, reason: str
) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    good = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node.score
    other = find_row(ready.path, "Marzo 2019", "2.3.2")
    type_cells(ready.path, "Marzo 2019", {f"G{row}": typed, f"G{other}": 1, f"H{other}": 2})
    report = sync(engine, ready, PAT)
    rejected = [i for i in report.issues if i.severity == "error"]
    assert len(rejected) == 1
    assert (rejected[0].tab, rejected[0].cell) == ("Marzo 2019", f"G{row}") and reason in rejected[
        0
    ].reason
    assert report.changed == 1  # 2.3.2 still landed
    after = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node.score
    assert after == good


def test_a_zero_denominator_is_rejected_naming_the_denominator_cell(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    type_cells(ready.path, "Marzo 2019", {f"H{row}": 0})
    report = sync(engine, ready, PAT)
    assert [(i.cell, i.severity) for i in report.issues] == [(f"H{row}", "error")]


def test_numerator_above_denominator_lands_with_a_warning(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    type_cells(ready.path, "Marzo 2019", {f"G{row}": 120, f"H{row}": 100})
    report = sync(engine, ready, PAT)
    assert report.changed == 1 and [i.severity for i in report.issues] == ["warning"]


def test_people_style_numbers_are_read_as_meant(engine: Engine, ready: XlsxWorkbook) -> None:
    row = find_row(ready.path, "Marzo 2019", "5.4.3.1")  # minutes of downtime, a count
    type_cells(ready.path, "Marzo 2019", {f"I{row}": " 1,314 "})
    report = sync(engine, ready, PAT)
    assert report.rejected == 0
    node = service.status(engine, PAT, code="5.4.3.1", period="2019-03", as_of=AS_OF).node
    assert node.achieved == 1314 and node.score == pytest.approx(100.0)


def test_a_cleared_cell_is_recorded_as_cleared(engine: Engine, ready: XlsxWorkbook) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    type_cells(ready.path, "Marzo 2019", {f"G{row}": 10, f"H{row}": 10})
    sync(engine, ready, PAT)
    type_cells(
        ready.path,
        "Marzo 2019",
        {f"G{row}": None, f"H{row}": None, f"J{row}": None, f"K{row}": None},
    )
    report = sync(engine, ready, PAT)
    assert report.cleared == 1
    node = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node
    assert node.colour is Colour.MISSING
    with transaction(engine) as session:
        history = captures.capture_history(session=session, programme_id=PAT, indicator="2.3.1")
        assert history[-1].change == "cleared"


def test_moved_columns_inserted_rows_and_a_renamed_tab_are_still_read(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    book = load_workbook(ready.path)
    ws = book["Marzo 2019"]
    ws.title = "Captura marzo (no mover)"
    ws.insert_rows(5, 3)  # someone inserted rows
    ws.move_range("G2:H400", cols=8)  # numerator/denominator moved to the far right
    book.save(ready.path)
    row = find_row(ready.path, "Captura marzo (no mover)", "2.3.1")
    type_cells(ready.path, "Captura marzo (no mover)", {f"O{row}": 7, f"P{row}": 10})
    report = sync(engine, ready, PAT)
    assert report.rejected == 0 and report.changed == 1
    node = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node
    assert node.score == pytest.approx(70.0)


def test_a_deleted_header_is_reported_and_nothing_in_that_tab_is_misread(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    type_cells(ready.path, "Marzo 2019", {"H2": "Base"})  # «Denominador» renamed
    history = rows_in(engine, models.CaptureHistory)
    report = sync(engine, ready, PAT)
    assert any("Marzo 2019" in p and "Denominador" in p for p in report.problems)
    assert rows_in(engine, models.CaptureHistory) == history


def test_re_running_init_keeps_every_typed_value(engine: Engine, ready: XlsxWorkbook) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    type_cells(ready.path, "Marzo 2019", {f"G{row}": "N/A", f"J{row}": "sin datos aún"})
    init_workbook(engine, ready, PAT)
    ws = load_workbook(ready.path)["Marzo 2019"]
    assert (ws[f"G{row}"].value, ws[f"J{row}"].value) == ("N/A", "sin datos aún")


def test_office_targets_come_from_the_catalogue_tab(engine: Engine, ready: XlsxWorkbook) -> None:
    row = find_row(ready.path, "Catálogo", "10.1")
    type_cells(ready.path, "Catálogo", {f"P{row}": 95, f"Q{row}": 12.5})  # Mar meta, Mar pond.
    office_row = find_row(ready.path, "Marzo 2019", "10.1", "OR-09")
    type_cells(ready.path, "Marzo 2019", {f"G{office_row}": 95, f"H{office_row}": 100})
    report = sync(engine, ready, PAT)
    assert report.catalogue_changes == 1 and report.created == 1, report.issues
    node = service.status(engine, PAT, code="10.1", period="2019-03", as_of=AS_OF).node
    assert node.score == pytest.approx(100.0)


def test_a_missing_workbook_fails_the_run_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    service.import_captures(engine, PAT, SAMPLE, source="csv:sample")
    history = rows_in(engine, models.CaptureHistory)
    report = sync(engine, XlsxWorkbook(tmp_path / "nada.xlsx"), PAT)
    assert report.outcome == "failed" and "no existe" in report.message
    assert rows_in(engine, models.CaptureHistory) == history
    with transaction(engine) as session:
        run = session.exec(select(models.SyncRun)).one()
        assert (run.outcome, run.changed) == ("failed", 0)


def test_a_corrupt_file_is_a_workbook_error(tmp_path: Path) -> None:
    path = tmp_path / "roto.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(WorkbookError, match="no se pudo leer"):
        XlsxWorkbook(path).read()


REASON = "Reprogramación por oficio DGCVM/123: personal comisionado a otras tareas"


def _march_231(engine: Engine) -> service.StatusAnswer:
    return service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF)


def test_a_target_modified_in_the_catalogue_tab_is_scored_keeping_the_approved_one(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Catálogo", "2.3.1")
    before = _march_231(engine)  # the sample's capture against the approved 100%
    # Mar meta 100 -> 90, with its reason in «Motivo de la modificación»
    type_cells(ready.path, "Catálogo", {f"P{row}": 90, f"AJ{row}": REASON})

    report = sync(engine, ready, PAT)

    assert (report.catalogue_changes, report.rejected) == (1, 0), report.issues
    after = _march_231(engine)
    assert before.node.score is not None and before.node.programmed == 100
    assert after.node.score == pytest.approx(before.node.score * 100 / 90)
    assert after.node.programmed == 90
    [shown] = after.modifications
    assert (shown.approved.target, shown.after) == (100.0, MonthPlan(90.0, 25.0))
    assert shown.reason == REASON
    assert shown.source == "sheet:"
    with transaction(engine) as session:
        [recorded] = session.exec(select(models.TargetChange)).all()
        assert (recorded.approved_target, recorded.target_before, recorded.target) == (
            100.0, 100.0, 90.0,
        )  # fmt: skip
    init_workbook(engine, ready, PAT)  # the tab shows what is in force, and why
    tab = load_workbook(ready.path)["Catálogo"]
    assert (tab[f"P{row}"].value, tab[f"AJ{row}"].value) == (90, REASON)
    again = sync(engine, ready, PAT)
    assert (again.catalogue_changes, again.issues) == (0, [])


def test_a_changed_target_without_a_reason_is_rejected_and_the_old_target_stays(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Catálogo", "2.3.1")
    good = _march_231(engine).node.score
    type_cells(ready.path, "Catálogo", {f"P{row}": 80})

    report = sync(engine, ready, PAT)

    [issue] = report.rejected_issues
    assert (issue.tab, issue.cell, issue.value) == ("Catálogo", f"P{row}", "80")
    assert "marzo tiene meta aprobada" in issue.reason and "necesita su motivo" in issue.reason
    after = _march_231(engine)
    assert (after.node.score, after.node.programmed, after.modifications) == (good, 100.0, ())
    assert rows_in(engine, models.TargetChange) == 0


def test_office_targets_first_set_are_approved_and_a_later_change_is_a_modification(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Catálogo", "10.1")
    type_cells(ready.path, "Catálogo", {f"P{row}": 95, f"Q{row}": 12.5})  # no target before
    assert sync(engine, ready, PAT).catalogue_changes == 1
    assert rows_in(engine, models.TargetChange) == 0  # an approval, not a modification

    type_cells(ready.path, "Catálogo", {f"P{row}": 90})
    refused = sync(engine, ready, PAT)
    assert [i.cell for i in refused.rejected_issues] == [f"P{row}"]
    type_cells(ready.path, "Catálogo", {f"AJ{row}": "Meta ajustada a la plantilla de las OR"})
    assert sync(engine, ready, PAT).catalogue_changes == 1
    [change] = service.programme(engine, PAT).targets.changes
    assert (change.indicator, change.office, change.approved.target, change.after) == (
        "10.1", "", 95.0, MonthPlan(90.0, 12.5),
    )  # fmt: skip


def test_a_command_modification_is_not_undone_by_a_sheet_that_still_shows_the_old_target(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Catálogo", "2.3.1")
    type_cells(ready.path, "Catálogo", {f"P{row}": 90, f"AJ{row}": REASON})
    assert sync(engine, ready, PAT).catalogue_changes == 1
    service.modify_target(engine, PAT, code="2.3.1", month="mar", target="85", weight="20",
                          reason="Oficio DGCVM/140")  # fmt: skip

    report = sync(engine, ready, PAT)  # the tab still says 90, with the first reason

    [warning] = report.issues
    assert (warning.cell, warning.severity) == (f"P{row}", "warning")
    assert "sheet init" in warning.reason and report.catalogue_changes == 0
    assert _march_231(engine).node.programmed == 85
    init_workbook(engine, ready, PAT)
    tab = load_workbook(ready.path)["Catálogo"]
    assert (tab[f"P{row}"].value, tab[f"Q{row}"].value) == (85, 20)
    assert tab[f"AJ{row}"].value == "Oficio DGCVM/140"
    assert sync(engine, ready, PAT).issues == []
