"""`sheet init` and `sync` against a local Sheets API v4 server, with the real gspread."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from semaforo import service
from semaforo.catalogue.files import catalogues_root
from semaforo.store import captures, models
from semaforo.store.engine import transaction
from sheets_sync.google import GoogleWorkbook
from sheets_sync.sync import init_workbook, sync
from sheets_sync.workbook import WorkbookError
from tests.fakes.sheets_api import FakeSheetsApi, write_service_account_file
from tests.integration.test_google_workbook import no_internet  # noqa: F401  (autouse fixture)

PAT = "pat-inm-2019"
SHEET = "1SeMaFoRoPaTiNm2019AbCdEfGhIjKlMnOpQrStUv"
SAMPLE = (catalogues_root() / PAT / "sample-captures.csv").read_text(encoding="utf-8")
AS_OF = dt.date(2019, 4, 10)
OpenWorkbook = Callable[..., GoogleWorkbook]


@pytest.fixture
def api() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi() as server:
        server.create_spreadsheet(SHEET, ["Hoja 1"], row_count=50, column_count=10)
        yield server


@pytest.fixture
def open_workbook(api: FakeSheetsApi, tmp_path: Path) -> OpenWorkbook:
    credentials = write_service_account_file(tmp_path / "cuenta.json", token_uri=api.token_uri)

    def open_(**options: Any) -> GoogleWorkbook:
        settings: dict[str, Any] = {
            "spreadsheet": SHEET, "credentials_file": credentials, "api_url": api.url,
            "backoff": 0.01, "sleep": lambda seconds: None, "timeout": 5.0,
        }  # fmt: skip
        return GoogleWorkbook(**(settings | options))

    return open_


@pytest.fixture
def ready(engine: Engine, open_workbook: OpenWorkbook, api: FakeSheetsApi) -> FakeSheetsApi:
    """The PAT 2019 and its sample captures, and the Google workbook `sheet init` built."""
    service.import_captures(engine, PAT, SAMPLE, source="csv:sample")
    init_workbook(engine, open_workbook(writable=True), PAT)
    return api


def find_row(api: FakeSheetsApi, tab: str, code: str) -> int:
    for number, row in enumerate(api.values(SHEET, tab), start=1):
        if row and row[0] == code and (len(row) < 2 or not row[1]):
            return number
    raise AssertionError(f"{code} not in {tab}")


def database_state(engine: Engine) -> dict[str, list[str]]:
    """Everything a sync may change, as plain rows (the run table aside)."""
    tables: list[type[SQLModel]] = [
        models.Capture, models.CaptureHistory, models.MonthTarget, models.Indicator,
        models.Owner, models.OwnerUnit,
    ]  # fmt: skip
    with transaction(engine) as session:
        return {
            t.__name__: sorted(
                repr(sorted(r.model_dump().items())) for r in session.exec(select(t))
            )
            for t in tables
        }


def test_init_then_sync_takes_two_requests_and_an_unchanged_sync_writes_nothing(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    titles = [t.title for t in ready.spreadsheets[SHEET].tabs]
    assert len([t for t in titles if t.endswith(" 2019")]) == 12 and "Catálogo" in titles
    before = database_state(engine)
    requests_before = ready.api_requests
    report = sync(engine, open_workbook(), PAT)
    assert report.outcome == "ok" and report.requests == ready.api_requests - requests_before == 1
    assert report.total_changes == 0 and database_state(engine) == before
    assert ready.scopes[-1].endswith("spreadsheets.readonly")


def test_a_reminder_link_opens_the_google_sheet_at_the_indicator_row(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    sync(engine, open_workbook(), PAT)
    again = sync(engine, open_workbook(), PAT)
    with transaction(engine) as session:
        links = captures.row_links(session=session, programme_id=PAT)
    gid = ready.tab(SHEET, "Marzo 2019").sheet_id
    row = find_row(ready, "Marzo 2019", "2.3.1")
    assert links[(3, "2.3.1", "")] == (
        f"https://docs.google.com/spreadsheets/d/{SHEET}/edit#gid={gid}&range=A{row}"
    )
    assert again.links_changed == 0 and again.requests <= 2


def test_a_value_typed_in_google_sheets_reaches_status_with_history(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "1,314")
    ready.set_cell(SHEET, "Marzo 2019", f"H{row}", "2,628")
    ready.set_cell(SHEET, "Marzo 2019", f"J{row}", "Se duplicó la demanda")
    report = sync(engine, open_workbook(), PAT)
    assert report.changed == 1 and report.rejected == 0
    node = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node
    assert node.score == pytest.approx(50.0)
    with transaction(engine) as session:
        history = captures.capture_history(session=session, programme_id=PAT, indicator="2.3.1")
        assert [h.numerator for h in history if h.month == 3][-1] == 1314


def test_a_rejected_google_cell_keeps_the_last_good_value(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    good = service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node.score
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "15/03/2019")  # the sheet made it a date
    report = sync(engine, open_workbook(), PAT)
    assert [(i.tab, i.cell) for i in report.rejected_issues] == [("Marzo 2019", f"G{row}")]
    assert "fecha" in report.rejected_issues[0].reason
    assert (
        service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF).node.score == good
    )


def test_re_running_init_keeps_every_captured_value(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "N/A")
    ready.set_cell(SHEET, "Marzo 2019", f"K{row}", "https://evidencia.example.mx/x.pdf")
    init_workbook(engine, open_workbook(writable=True), PAT)
    assert ready.cell(SHEET, "Marzo 2019", f"G{row}") == "N/A"
    assert ready.cell(SHEET, "Marzo 2019", f"K{row}") == "https://evidencia.example.mx/x.pdf"


FAULTS: list[tuple[str, dict[str, Any], str]] = [
    ("quota", {"status": 429, "times": None}, "cuota"),
    ("server error", {"status": 500, "times": None}, "500"),
    ("slow", {"delay": 2.0, "times": None}, "no respondió"),
    ("missing spreadsheet", {"status": 404, "times": None}, "semaforo-test@"),
]


@pytest.mark.parametrize(("fault", "injection", "said"), FAULTS, ids=[f[0] for f in FAULTS])
def test_after_a_fault_the_database_is_exactly_as_before(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook,
    fault: str, injection: dict[str, Any], said: str,
) -> None:  # fmt: skip
    row = find_row(ready, "Marzo 2019", "2.3.1")
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "1")  # a change the failed sync must not apply
    before = database_state(engine)
    ready.inject(**injection, path_contains="/v4/")
    report = sync(engine, open_workbook(timeout=0.5, max_retries=2), PAT)
    assert report.outcome == "failed" and said in report.message, report.message
    assert database_state(engine) == before
    with transaction(engine) as session:
        runs = session.exec(select(models.SyncRun).order_by(models.SyncRun.id)).all()  # type: ignore[arg-type]
        assert (runs[-1].outcome, runs[-1].changed) == ("failed", 0) and runs[-1].message


def test_a_quota_error_that_clears_is_retried_and_the_sync_lands(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    ready.inject(status=429, times=1, path_contains="/v4/")
    report = sync(engine, open_workbook(), PAT)
    assert report.outcome == "ok" and report.requests == 2


def test_a_deleted_month_tab_is_reported_and_nothing_else_changes(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    before = database_state(engine)
    ready.delete_tab(SHEET, "Marzo 2019")
    report = sync(engine, open_workbook(), PAT)
    assert report.outcome == "ok" and any("Marzo 2019" in p for p in report.problems)
    assert database_state(engine) == before


def test_the_cli_runs_init_and_sync_against_the_local_server(
    ready: FakeSheetsApi, tmp_path: Path, database_url: str
) -> None:
    credentials = write_service_account_file(tmp_path / "cli.json", token_uri=ready.token_uri)
    env = {
        **os.environ, "SEMAFORO_DATABASE_URL": database_url, "SEMAFORO_WORKBOOK": SHEET,
        "SEMAFORO_GOOGLE_CREDENTIALS": str(credentials), "SEMAFORO_SHEETS_API_URL": ready.url,
    }  # fmt: skip

    def semaforo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    assert semaforo("sheet", "init").returncode == 0
    out = semaforo("sync", "--json")
    assert out.returncode == 0, out.stderr
    run = json.loads(out.stdout)
    assert run["outcome"] == "ok" and run["requests"] == 1


def test_with_every_write_refused_init_fails_in_one_line_and_no_cell_changes(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "77")  # typed, not yet synced
    before = {tab.title: ready.values(SHEET, tab.title) for tab in ready.spreadsheets[SHEET].tabs}
    ready.inject(500, times=None, path_contains=":batchUpdate")

    with pytest.raises(WorkbookError) as refused:
        init_workbook(engine, open_workbook(writable=True, max_retries=1), PAT)

    assert "\n" not in str(refused.value) and "error del servidor (500)" in str(refused.value)
    after = {tab.title: ready.values(SHEET, tab.title) for tab in ready.spreadsheets[SHEET].tabs}
    assert after == before


def test_owners_from_the_sheet_get_protected_capture_ranges_on_the_next_init(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    people = [
        ("Ana Pérez", "ana@inm.example.mx", "@ana_perez", "captura", "2.3"),
        ("Eva Mora", "eva@inm.example.mx", "", "planeación", ""),
        ("Sin Correo", "", "12345678", "director", "2"),
        ("Mal Rol", "x@inm.example.mx", "", "jefa", "2.3"),
    ]
    for r, person in enumerate(people, start=3):
        for c, value in zip("ABCDE", person, strict=True):
            ready.set_cell(SHEET, "Responsables", f"{c}{r}", value)
    report = sync(engine, open_workbook(), PAT)
    assert report.owner_changes == 3
    assert [(i.cell, i.severity) for i in report.issues] == [("D6", "error")]  # the bad role
    init_workbook(engine, open_workbook(writable=True), PAT)
    ranges = ready.tab(SHEET, "Marzo 2019").protected_ranges
    area = [p for p in ranges if p.get("description") == "Captura de 2.3"]
    assert len(area) == 1
    editors = set(area[0]["editors"]["users"])
    assert {"ana@inm.example.mx", "eva@inm.example.mx"} <= editors
    assert ready.cell(SHEET, "Responsables", "A3") == "Ana Pérez"  # init keeps the people


def _march(engine: Engine, code: str) -> models.Capture:
    with transaction(engine) as session:
        found = session.exec(
            select(models.Capture).where(
                models.Capture.indicator_code == code, models.Capture.month == 3,
                models.Capture.office_code == "",
            )
        ).one()  # fmt: skip
        session.expunge(found)
        return found


def test_a_number_is_stored_as_typed_whatever_the_cell_displays(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "1,314")  # the cell takes the format #,##0
    ready.set_cell(SHEET, "Marzo 2019", f"H{row}", "2,628")
    sync(engine, open_workbook(), PAT)
    ready.type_number(SHEET, "Marzo 2019", f"G{row}", 1314.67)  # shows 1,315

    report = sync(engine, open_workbook(), PAT)

    assert ready.cell(SHEET, "Marzo 2019", f"G{row}") == "1,315"
    assert report.changed == 1 and report.requests == 1
    assert _march(engine, "2.3.1").numerator == 1314.67


def test_a_change_the_display_rounds_away_is_still_seen(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    ready.type_number(SHEET, "Marzo 2019", f"G{row}", 1000.0, "#,##0")
    ready.type_number(SHEET, "Marzo 2019", f"H{row}", 2000.0, "#,##0")
    sync(engine, open_workbook(), PAT)
    ready.type_number(SHEET, "Marzo 2019", f"G{row}", 999.6)  # still shows 1,000

    report = sync(engine, open_workbook(), PAT)

    assert ready.cell(SHEET, "Marzo 2019", f"G{row}") == "1,000"
    assert report.changed == 1 and _march(engine, "2.3.1").numerator == 999.6


def test_a_number_typed_over_a_percent_is_read_as_typed(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    for column in "GH":
        ready.set_cell(SHEET, "Marzo 2019", f"{column}{row}", "")
    ready.set_cell(SHEET, "Marzo 2019", f"I{row}", "50%")  # Logrado: the cell becomes 0%
    sync(engine, open_workbook(), PAT)
    assert (_march(engine, "2.3.1").numerator, _march(engine, "2.3.1").denominator) == (50, 100)
    ready.type_number(SHEET, "Marzo 2019", f"I{row}", 95.5)  # shows 9550%

    report = sync(engine, open_workbook(), PAT)

    assert ready.cell(SHEET, "Marzo 2019", f"I{row}") == "9550%"
    assert report.changed == 1
    assert (_march(engine, "2.3.1").numerator, _march(engine, "2.3.1").denominator) == (95.5, 100)


def test_a_formula_that_gives_no_value_is_rejected_and_the_capture_kept(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    row = find_row(ready, "Marzo 2019", "2.3.1")
    kept = _march(engine, "2.3.1").numerator
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", '=IF(Z1="","",Z1)')  # shows nothing

    report = sync(engine, open_workbook(), PAT)

    assert [(i.cell, i.severity) for i in report.issues if i.cell == f"G{row}"] == [
        (f"G{row}", "error")
    ]
    assert "fórmula no da ningún valor" in report.rejected_issues[0].reason
    assert report.cleared == 0 and _march(engine, "2.3.1").numerator == kept


def test_init_on_google_keeps_unsynced_edits_added_columns_and_types(
    engine: Engine, ready: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    catalogue_row = find_row(ready, "Catálogo", "2.3.1")
    ready.set_cell(SHEET, "Catálogo", f"P{catalogue_row}", "80")  # Mar meta 100 -> 80
    ready.set_cell(SHEET, "Catálogo", f"AJ{catalogue_row}", "Recorte de personal")  # its reason
    owners = len(ready.values(SHEET, "Responsables")) + 1
    for column, text in zip("ABDE", ("Rosa Díaz", "rosa@inm.gob.mx", "captura", "2.3"),
                            strict=True):  # fmt: skip
        ready.set_cell(SHEET, "Responsables", f"{column}{owners}", text)
    row = find_row(ready, "Marzo 2019", "2.3.2")
    ready.set_cell(SHEET, "Marzo 2019", f"G{row}", "41")
    ready.set_cell(SHEET, "Marzo 2019", f"H{row}", "50")
    ready.set_cell(SHEET, "Marzo 2019", f"J{row}", "'=ver anexo")  # typed as text
    ready.set_cell(SHEET, "Marzo 2019", "M2", "Notas internas")
    ready.set_cell(SHEET, "Marzo 2019", f"M{row}", "revisar")

    done = init_workbook(engine, open_workbook(writable=True), PAT)

    assert done.merged is not None and done.merged.catalogue_changes == 1
    assert ready.cell(SHEET, "Catálogo", f"P{catalogue_row}") == "80"
    assert any(r[:1] == ["Rosa Díaz"] for r in ready.values(SHEET, "Responsables"))
    row = find_row(ready, "Marzo 2019", "2.3.2")
    march = ready.tab(SHEET, "Marzo 2019")
    assert march.numbers[(row - 1, 6)][0] == 41.0 and march.numbers[(row - 1, 7)][0] == 50.0
    assert ready.cell(SHEET, "Marzo 2019", f"J{row}") == "=ver anexo"
    assert (row - 1, 9) not in march.formulas  # still text
    header = ready.values(SHEET, "Marzo 2019")[1]
    notes = header.index("Notas internas")
    assert ready.values(SHEET, "Marzo 2019")[row - 1][notes] == "revisar"
