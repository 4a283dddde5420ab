"""The Google Sheets adapter: the real gspread and google-auth against a local Sheets API."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sheets_sync.google import READ_SCOPE, WRITE_SCOPE, GoogleWorkbook
from sheets_sync.workbook import (
    Band,
    CellRange,
    Fill,
    Formula,
    Protection,
    TabLayout,
    WorkbookError,
)
from tests.fakes.sheets_api import SERVICE_ACCOUNT_EMAIL, FakeSheetsApi, write_service_account_file

SHEET = "1pAtInM2019CaPtUrAaBcDeFgHiJkLmNoPqRsTuVwXy"
CAPTURE = [
    ["Clave", "Indicador", "Meta", "Enero", "Febrero"],
    ["1.1", "Auditorías concluidas", "1,314", "95%"],
    ["1.2", "Informes publicados", "12", "", "15/03/2024"],
]
OpenWorkbook = Callable[..., GoogleWorkbook]


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to resolve or reach a host other than this machine fails the test."""
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"a test tried to reach {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)


@pytest.fixture
def api() -> Iterator[FakeSheetsApi]:
    with FakeSheetsApi() as server:
        server.create_spreadsheet(SHEET, {"Captura": CAPTURE, "Notas": [], "Resumen": [["Total"]]})
        yield server


@pytest.fixture
def credentials_file(api: FakeSheetsApi, tmp_path: Path) -> Path:
    return write_service_account_file(tmp_path / "cuenta.json", token_uri=api.token_uri)


@pytest.fixture
def sleeps() -> list[float]:
    """The backoff waits the workbook asked for (none is actually slept)."""
    return []


@pytest.fixture
def open_workbook(api: FakeSheetsApi, credentials_file: Path, sleeps: list[float]) -> OpenWorkbook:
    def open_(**options: Any) -> GoogleWorkbook:
        settings: dict[str, Any] = {
            "spreadsheet": SHEET,
            "credentials_file": credentials_file,
            "api_url": api.url,
            "backoff": 0.01,
            "sleep": sleeps.append,
        }
        return GoogleWorkbook(**(settings | options))

    return open_


def capture_layout(**changes: Any) -> TabLayout:
    header, target, monthly = CellRange(0, 1, 0, 5), CellRange(1, 3, 2, 3), CellRange(1, 3, 3, 5)
    layout: dict[str, Any] = {
        "title": "Captura 2025",
        "rows": (("Clave", "Meta", "Enero"), ("1.1", 1314.0, None), ("1.2", 12.0, "=B3*2")),
        "frozen_rows": 1,
        "frozen_cols": 2,
        "fills": ((header, Fill.HEADER), (target, Fill.INFO), (monthly, Fill.INPUT)),
        "number_cells": (monthly,),
        "bands": ((monthly, (Band(0, 0.7, "red"), Band(0.7, 0.9, "yellow"))),),
        "protections": (Protection(header, ("planeacion@inm.gob.mx",), "Encabezado del PAT"),),
        "column_widths": (80, 0, 240),
        "notes": {(0, 2): "Meta anual programada"},
    }
    return TabLayout(**(layout | changes))


# Reading


def test_reading_a_workbook_takes_one_request_with_stored_and_displayed_values(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    snapshot = open_workbook().read()

    assert [tab.title for tab in snapshot.tabs] == ["Captura", "Notas", "Resumen"]
    assert snapshot.requests == 1
    assert api.count("get") == 1 and api.count("values:batchGet") == 0
    assert api.log[-1].query["includeGridData"] == ["true"]
    fields = api.log[-1].query["fields"][0]
    assert all(f in fields for f in ("effectiveValue", "formattedValue", "userEnteredValue"))


def test_cells_come_back_as_the_text_a_person_sees(open_workbook: OpenWorkbook) -> None:
    capture, notes, summary = open_workbook().read().tabs

    assert capture.rows[1] == ("1.1", "Auditorías concluidas", "1,314", "95%")
    assert capture.rows[2] == ("1.2", "Informes publicados", "12", "", "15/03/2024")
    assert notes.rows == ()
    assert summary.rows == (("Total",),)
    assert capture.sheet_id == 0
    assert notes.sheet_id not in (0, 1)  # Google's sheetId, not the tab's position


def test_a_tab_renamed_or_deleted_in_the_sheet_is_read_as_it_now_is(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.rename_tab(SHEET, "Notas", "Notas del área")
    api.delete_tab(SHEET, "Resumen")
    api.set_cell(SHEET, "Captura", "E2", "88%")

    capture, notes = open_workbook().read().tabs

    assert notes.title == "Notas del área"
    assert capture.rows[1][4] == "88%"


def test_syncing_asks_only_for_read_only_access(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    open_workbook().read()

    assert api.scopes == [READ_SCOPE]


def test_a_spreadsheet_can_be_given_as_its_full_url(open_workbook: OpenWorkbook) -> None:
    url = f"https://docs.google.com/spreadsheets/d/{SHEET}/edit?usp=sharing#gid=0"

    workbook = open_workbook(spreadsheet=url)

    assert workbook.spreadsheet_id == SHEET
    assert len(workbook.read().tabs) == 3


def test_a_link_opens_the_tab_at_the_row(open_workbook: OpenWorkbook) -> None:
    workbook = open_workbook()
    notes = workbook.read().tabs[1]
    base = f"https://docs.google.com/spreadsheets/d/{SHEET}/edit"

    assert workbook.link_to(notes, 7) == f"{base}#gid={notes.sheet_id}&range=A7"
    assert workbook.link_to("Captura", 3) == f"{base}#gid=0&range=A3"
    assert workbook.link_to("Una pestaña que no existe", 3) == base


# Laying out


def test_laying_out_asks_for_write_access(api: FakeSheetsApi, open_workbook: OpenWorkbook) -> None:
    open_workbook(writable=True).write([capture_layout()])

    assert api.scopes == [WRITE_SCOPE]


def test_laying_out_a_read_only_workbook_is_refused(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    with pytest.raises(WorkbookError, match="solo para lectura"):
        open_workbook().write([capture_layout()])

    assert api.api_requests == 0


def test_laying_out_creates_the_tab_with_its_values_panes_and_colours(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    requests = open_workbook(writable=True).write([capture_layout()])

    tab = api.tab(SHEET, "Captura 2025")
    assert requests == 2  # the metadata, then one atomic batchUpdate
    assert api.count("batchUpdate") == 1 and api.count("values:batchUpdate") == 0
    assert api.values(SHEET, "Captura 2025") == [
        ["Clave", "Meta", "Enero"],
        ["1.1", "1314"],
        ["1.2", "12", "=B3*2"],
    ]
    assert (tab.frozen_rows, tab.frozen_cols) == (1, 2)
    assert (tab.row_count, tab.column_count) == (3, 5)
    header, info, white = (tab.background_at(a1) for a1 in ("A1", "C2", "D3"))
    assert header is not None and info is not None and white is not None
    assert header != info and white == {"red": 1.0, "green": 1.0, "blue": 1.0}
    assert tab.column_widths == {0: 80, 2: 240}
    assert tab.notes == {(0, 2): "Meta anual programada"}


def test_laying_out_validates_numbers_colours_bands_and_protects_the_header(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    open_workbook(writable=True).write([capture_layout()])

    tab = api.tab(SHEET, "Captura 2025")
    rule = tab.validation_at("D2")
    assert rule is not None and rule["strict"] is False
    assert rule["condition"]["type"] == "NUMBER_GREATER_THAN_EQ"
    assert tab.validation_at("B2") is None
    formulas = [
        rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for rule in tab.conditional_formats
    ]
    assert formulas == ["=AND(ISNUMBER(D2),D2>=0,D2<0.7)", "=AND(ISNUMBER(D2),D2>=0.7,D2<0.9)"]
    (protected,) = tab.protected_ranges
    assert protected["description"] == "Encabezado del PAT"
    assert protected["warningOnly"] is False
    assert "planeacion@inm.gob.mx" in protected["editors"]["users"]
    assert protected["range"]["endColumnIndex"] == 5


def test_laying_out_twice_does_not_pile_up_protections_or_rules(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    workbook = open_workbook(writable=True)
    workbook.write([capture_layout()])
    first = api.tab(SHEET, "Captura 2025").sheet_id

    again = workbook.write([capture_layout()])

    tab = api.tab(SHEET, "Captura 2025")
    assert again == 2
    assert tab.sheet_id == first
    assert len(tab.protected_ranges) == 1
    assert len(tab.conditional_formats) == 2
    assert len(tab.validations) == 1


def test_laying_out_over_a_tab_clears_its_old_cells_and_removes_others(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    layout = capture_layout(title="Captura", rows=(("Clave", "Meta"),), notes={})

    open_workbook(writable=True).write([layout, capture_layout()], remove=("Notas", "No existe"))

    assert api.values(SHEET, "Captura") == [["Clave", "Meta"]]
    titles = [tab.title for tab in api.spreadsheets[SHEET].tabs]
    assert titles == ["Captura", "Resumen", "Captura 2025"]
    assert api.tab(SHEET, "Captura 2025").frozen_rows == 1


def test_values_keep_their_type_formulas_run_and_text_stays_text(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    rows = (("Clave", "Meta", "Enero"), ("1.1", 1314.0, "=ver anexo"),
            ("1.2", 12.0, Formula("=B3*2")))  # fmt: skip

    open_workbook(writable=True).write([capture_layout(rows=rows)])

    body = next(r.body for r in api.log if r.endpoint == "batchUpdate")
    written = next(r["updateCells"] for r in body["requests"]
                   if "updateCells" in r and "rows" in r["updateCells"])  # fmt: skip
    cells = [[c.get("userEnteredValue") for c in row["values"]] for row in written["rows"]]
    assert cells[1] == [{"stringValue": "1.1"}, {"numberValue": 1314.0},
                        {"stringValue": "=ver anexo"}]  # fmt: skip
    assert cells[2][2] == {"formulaValue": "=B3*2"}
    snapshot = open_workbook().read()
    tab = next(t for t in snapshot.tabs if t.title == "Captura 2025")
    assert tab.values[1] == ("1.1", 1314.0, "=ver anexo")
    assert isinstance(tab.values[2][2], Formula) and not isinstance(tab.values[1][2], Formula)


def test_a_refused_write_leaves_every_cell_as_it_was(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    before = {t.title: api.values(SHEET, t.title) for t in api.spreadsheets[SHEET].tabs}
    api.inject(500, times=None, path_contains=":batchUpdate")

    with pytest.raises(WorkbookError, match=r"error del servidor \(500\)"):
        open_workbook(writable=True, max_retries=1).write([capture_layout(title="Captura")])

    assert {t.title: api.values(SHEET, t.title) for t in api.spreadsheets[SHEET].tabs} == before


# Failures


def test_a_quota_error_is_retried_after_a_growing_backoff(
    api: FakeSheetsApi, open_workbook: OpenWorkbook, sleeps: list[float]
) -> None:
    api.inject(429, times=2)

    snapshot = open_workbook().read()

    assert len(snapshot.tabs) == 3
    assert snapshot.requests == 3
    assert sleeps == [0.01, 0.02]


def test_a_retry_after_header_is_respected(
    api: FakeSheetsApi, open_workbook: OpenWorkbook, sleeps: list[float]
) -> None:
    api.inject(429, retry_after="3")

    open_workbook().read()

    assert sleeps == [3.0]


def test_a_quota_error_that_persists_is_reported_as_the_quota(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.inject(429, times=None)

    with pytest.raises(WorkbookError, match="cuota"):
        open_workbook(max_retries=3).read()

    assert api.count("get") == 4


def test_a_server_error_that_persists_gives_up_after_the_retries(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.inject(500, times=None, path_contains="/v4/")

    with pytest.raises(WorkbookError, match=r"error del servidor \(500\) tras 2 reintentos"):
        open_workbook(max_retries=2).read()

    assert api.count("get") == 3


def test_a_spreadsheet_that_does_not_exist_names_the_service_account(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    with pytest.raises(WorkbookError, match=SERVICE_ACCOUNT_EMAIL) as raised:
        open_workbook(spreadsheet="1NoExisteEstaHoja").read()

    assert "no existe o no está compartida" in str(raised.value)
    assert api.api_requests == 1


def test_a_spreadsheet_not_shared_names_the_service_account(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.inject(403)

    with pytest.raises(WorkbookError, match=f"{SERVICE_ACCOUNT_EMAIL} no tiene permiso"):
        open_workbook().read()


def test_a_slow_answer_beyond_the_timeout_is_reported(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.inject(delay=2.0, times=None)

    with pytest.raises(WorkbookError, match=r"no respondió en 0.5 s"):
        open_workbook(timeout=0.5, max_retries=0).read()


def test_a_single_slow_answer_is_retried(
    api: FakeSheetsApi, open_workbook: OpenWorkbook, sleeps: list[float]
) -> None:
    api.inject(delay=2.0, times=1)

    snapshot = open_workbook(timeout=0.5, max_retries=1).read()

    assert snapshot.requests == 2
    assert sleeps == [0.01]


def test_an_answer_without_the_expected_keys_is_reported(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.inject(answer={"spreadsheetId": SHEET}, path_contains="/v4/")

    with pytest.raises(WorkbookError, match="forma inesperada"):
        open_workbook().read()


def test_credentials_the_token_endpoint_refuses_are_reported(
    api: FakeSheetsApi, open_workbook: OpenWorkbook
) -> None:
    api.inject(400, path_contains="/token")

    with pytest.raises(WorkbookError, match=f"token de acceso .* {SERVICE_ACCOUNT_EMAIL}"):
        open_workbook().read()

    assert api.api_requests == 0


def test_an_unreachable_token_endpoint_is_not_called_a_sheets_failure(
    api: FakeSheetsApi, open_workbook: OpenWorkbook, tmp_path: Path
) -> None:
    # a port nobody listens on: the token exchange cannot connect
    credentials = write_service_account_file(tmp_path / "c.json", token_uri="http://127.0.0.1:9/t")

    with pytest.raises(WorkbookError, match="servicio de tokens de Google") as raised:
        open_workbook(credentials_file=credentials, max_retries=0).read()

    assert "Sheets ni siquiera se consultó" in str(raised.value)
    assert api.api_requests == 0


def test_a_missing_credentials_file_is_named(open_workbook: OpenWorkbook, tmp_path: Path) -> None:
    missing = tmp_path / "no-existe.json"

    with pytest.raises(WorkbookError, match=r"no-existe\.json"):
        open_workbook(credentials_file=missing)


def test_a_broken_credentials_file_is_named_without_its_contents(
    open_workbook: OpenWorkbook, tmp_path: Path
) -> None:
    broken = tmp_path / "rota.json"
    broken.write_text('{"private_key": "-----BEGIN PRIVATE KEY-----secreto', encoding="utf-8")

    with pytest.raises(WorkbookError, match=r"rota\.json") as raised:
        open_workbook(credentials_file=broken)

    assert "secreto" not in str(raised.value)
    assert raised.value.__cause__ is None
