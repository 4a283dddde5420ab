"""The capture workbook as a Google spreadsheet, through gspread's HTTP client.

Reading costs two API requests whatever the number of tabs (metadata, then one batchGet):
the Sheets API allows 60 reads a minute per user, and a sync runs every few minutes.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import service_account
from gspread.exceptions import APIError, NoValidUrlKeyFound
from gspread.http_client import ParamsType
from gspread.utils import extract_id_from_url

from sheets_sync.google_format import (
    check_layouts,
    format_requests,
    grid_size,
    update_properties,
)
from sheets_sync.google_http import GOOGLE_API_URL, RetryingHTTPClient, describe_failure
from sheets_sync.workbook import (
    Formula,
    Stored,
    TabLayout,
    TabSnapshot,
    WorkbookError,
    number_text,
)
from sheets_sync.workbook import WorkbookSnapshot as Snapshot

READ_SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly"
WRITE_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
JSON = dict[str, Any]


class GoogleWorkbook:
    """A `Workbook` on a Google spreadsheet shared with a service account."""

    def __init__(
        self,
        *,
        spreadsheet: str,
        credentials_file: Path | str,
        api_url: str = GOOGLE_API_URL,
        writable: bool = False,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id_from(spreadsheet)
        self.writable = writable
        credentials = load_credentials(Path(credentials_file), writable=writable)
        self.account: str = credentials.service_account_email
        self._client = RetryingHTTPClient(
            credentials,
            api_url=api_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            sleep=sleep or time.sleep,
        )
        self._sheet_ids: dict[str, int] = {}

    def read(self) -> Snapshot:
        """Every grid tab's cells, stored and displayed, in sheet order, in one request."""
        before = self._client.requests
        with self._translated("leer"):
            params: ParamsType = {"includeGridData": "true", "fields": GRID_FIELDS}
            answer = self._client.fetch_sheet_metadata(self.spreadsheet_id, params=params)
            sheets = [s for s in answer["sheets"]
                      if s["properties"].get("sheetType", "GRID") == "GRID"]  # fmt: skip
            sheets.sort(key=lambda sheet: int(sheet["properties"].get("index", 0)))
            tabs = tuple(_tab_from_grid(sheet) for sheet in sheets)
        self._sheet_ids = {tab.title: tab.sheet_id for tab in tabs}
        return Snapshot(tabs=tabs, requests=self._client.requests - before)

    def write(self, tabs: list[TabLayout], *, remove: tuple[str, ...] = ()) -> int:
        """Lay these tabs out (values, panes, colours, validation, protection); delete `remove`."""
        if not self.writable:
            raise WorkbookError(
                "La hoja de cálculo se abrió solo para lectura; para modificarla hay que abrirla "
                "con permiso de escritura."
            )
        check_layouts(tabs)
        if not tabs and not remove:
            return 0
        before = self._client.requests
        with self._translated("escribir"):
            fields = "sheets.properties,sheets.protectedRanges,sheets.conditionalFormats"
            existing = {sheet["properties"]["title"]: sheet for sheet in self._sheets(fields)}
            structure, sheet_ids = _structure(tabs, remove, existing)
            requests_ = [
                *structure,
                *(_values(tab, sheet_ids[tab.title]) for tab in tabs if tab.rows),
                *(request for tab in tabs
                  for request in format_requests(tab, sheet_ids[tab.title],
                                                 existing.get(tab.title))),
            ]  # fmt: skip
            # One batchUpdate: the API applies it whole or not at all, so a refusal leaves the
            # workbook exactly as it was (never cleared tabs without their values).
            self._client.batch_update(self.spreadsheet_id, {"requests": requests_})
        self._sheet_ids = {
            title: int(sheet["properties"]["sheetId"])
            for title, sheet in existing.items()
            if title not in remove
        } | sheet_ids
        return self._client.requests - before

    def link_to(self, tab: TabSnapshot | str, row: int) -> str:
        """A link opening the tab at column A of `row`; without the tab if its id is unknown."""
        base = f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit"
        sheet_id = tab.sheet_id if isinstance(tab, TabSnapshot) else self._sheet_ids.get(tab)
        return base if sheet_id is None else f"{base}#gid={sheet_id}&range=A{row}"

    def _sheets(self, fields: str) -> list[JSON]:
        """The grid sheets' metadata in sheet order (charts-only sheets hold no cells)."""
        params: ParamsType = {"includeGridData": "false", "fields": fields}
        answer = self._client.fetch_sheet_metadata(self.spreadsheet_id, params=params)
        sheets: list[JSON] = answer.get("sheets", [])
        grids = [s for s in sheets if s["properties"].get("sheetType", "GRID") == "GRID"]
        return sorted(grids, key=lambda sheet: int(sheet["properties"].get("index", 0)))

    @contextmanager
    def _translated(self, verb: str) -> Iterator[None]:
        """Turn whatever the API, the network or the token exchange raised into WorkbookError."""
        where = f"No se pudo {verb} la hoja de cálculo {self.spreadsheet_id}"
        try:
            yield
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise WorkbookError(
                f"{where}: Google Sheets respondió con una forma inesperada ({error!r})"
            ) from error
        except (APIError, requests.RequestException, GoogleAuthError) as error:
            reason = describe_failure(
                error, spreadsheet_id=self.spreadsheet_id, account=self.account, client=self._client
            )
            raise WorkbookError(f"{where}: {reason}.") from error


GRID_FIELDS = (
    "sheets(properties(sheetId,title,index,sheetType),data(startRow,startColumn,"
    "rowData(values(userEnteredValue/formulaValue,effectiveValue,formattedValue,"
    "effectiveFormat/numberFormat/type))))"
)
"""One `spreadsheets.get` returns every tab with each cell's stored value, its formula, the text
it shows and its number format: exact numbers whatever the display rounds to."""

_DATES = {"DATE", "TIME", "DATE_TIME"}


def _tab_from_grid(sheet: JSON) -> TabSnapshot:
    """A tab's text to read and stored values from its grid data."""
    properties = sheet["properties"]
    data = (sheet.get("data") or [{}])[0]
    top, left = int(data.get("startRow", 0)), int(data.get("startColumn", 0))
    rows: list[tuple[str, ...]] = [()] * top
    values: list[tuple[Stored, ...]] = [()] * top
    for row in data.get("rowData", []):
        cells = [_cell(cell) for cell in row.get("values", [])]
        rows.append(("",) * left + tuple(text for text, _ in cells))
        values.append((None,) * left + tuple(stored for _, stored in cells))
    while rows and not any(rows[-1]) and not any(v is not None for v in values[-1]):
        rows.pop()
        values.pop()
    return TabSnapshot(
        title=properties["title"], sheet_id=int(properties["sheetId"]),
        rows=tuple(rows), values=tuple(values),
    )  # fmt: skip


def _cell(cell: JSON) -> tuple[str, Stored]:
    """(text to read, stored value) of one cell of grid data."""
    effective = cell.get("effectiveValue", {})
    entered = cell.get("userEnteredValue", {})
    shown = str(cell.get("formattedValue", ""))
    kind = cell.get("effectiveFormat", {}).get("numberFormat", {}).get("type", "")
    if "numberValue" in effective:
        number = float(effective["numberValue"])
        if kind in _DATES:  # a date the sheet made of what was typed: read as it shows
            return shown, number
        text = number_text(number, percent_format=kind == "PERCENT")
        return text, Formula(entered["formulaValue"]) if "formulaValue" in entered else number
    if "formulaValue" in entered:
        return shown, Formula(entered["formulaValue"])
    if "stringValue" in effective:
        return str(effective["stringValue"]), str(effective["stringValue"])
    if "boolValue" in effective:
        return ("VERDADERO" if effective["boolValue"] else "FALSO"), shown
    return shown, (shown or None)


def _structure(
    tabs: list[TabLayout], remove: tuple[str, ...], existing: dict[str, JSON]
) -> tuple[list[JSON], dict[str, int]]:
    """Requests that add the missing tabs (with ids chosen here, so later requests of the same
    batch can name them), grow and clear the existing ones and delete `remove`."""
    used = {int(sheet["properties"]["sheetId"]) for sheet in existing.values()}
    requests_: list[JSON] = []
    sheet_ids: dict[str, int] = {}
    for tab in tabs:
        if tab.title not in existing:
            sheet_id = _free_id(used, tab.title)
            properties = {"sheetId": sheet_id, "title": tab.title, "gridProperties": grid_size(tab)}
            requests_.append({"addSheet": {"properties": properties}})
            sheet_ids[tab.title] = sheet_id
            continue
        properties = existing[tab.title]["properties"]
        sheet_id = sheet_ids[tab.title] = int(properties["sheetId"])
        now = properties.get("gridProperties", {})
        needed = grid_size(tab)
        if any(now.get(key, 0) < size for key, size in needed.items()):
            grown = {key: max(size, now.get(key, 0)) for key, size in needed.items()}
            requests_.append(update_properties(sheet_id, grown))
        clear = {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue,note"}
        requests_.append({"updateCells": clear})
    titles = {tab.title for tab in tabs}
    requests_ += [
        {"deleteSheet": {"sheetId": existing[title]["properties"]["sheetId"]}}
        for title in remove
        if title in existing and title not in titles
    ]
    return requests_, sheet_ids


def _free_id(used: set[int], title: str) -> int:
    """A stable sheet id for a new tab, unused in the spreadsheet."""
    candidate = int(hashlib.sha256(title.encode()).hexdigest()[:7], 16) + 1
    while candidate in used:
        candidate += 1
    used.add(candidate)
    return candidate


def _values(tab: TabLayout, sheet_id: int) -> JSON:
    """An updateCells request writing the tab's values from A1, each with its type: numbers as
    numbers, `Formula`s as formulas, other text as text (never reinterpreted)."""
    rows = [{"values": [_cell_data(value) for value in row]} for row in tab.rows]
    start = {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0}
    return {"updateCells": {"start": start, "rows": rows, "fields": "userEnteredValue"}}


def _cell_data(value: Stored) -> JSON:
    if value is None or value == "":
        return {}
    if isinstance(value, Formula):
        return {"userEnteredValue": {"formulaValue": str(value)}}
    if isinstance(value, str):
        return {"userEnteredValue": {"stringValue": value}}
    return {"userEnteredValue": {"numberValue": float(value)}}


def spreadsheet_id_from(value: str) -> str:
    """The id in a spreadsheet's URL (https://docs.google.com/spreadsheets/d/ID/...), or `value`."""
    value = value.strip()
    try:
        return extract_id_from_url(value) if "/" in value else _plain_id(value)
    except (NoValidUrlKeyFound, ValueError):
        raise WorkbookError(
            f"«{value}» no es el id ni el enlace de una hoja de cálculo de Google"
        ) from None


def _plain_id(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        raise ValueError(value)
    return value


def load_credentials(path: Path, *, writable: bool) -> service_account.Credentials:
    """The service account's credentials, scoped read-only unless `writable`."""
    scopes = [WRITE_SCOPE if writable else READ_SCOPE]
    if not path.is_file():
        raise WorkbookError(
            f"No existe el archivo de credenciales de la cuenta de servicio {path}."
        )
    try:
        # google-auth leaves this classmethod unannotated; it returns the class it is called on.
        load = service_account.Credentials.from_service_account_file
        credentials: service_account.Credentials = load(str(path), scopes=scopes)  # type: ignore[no-untyped-call]
    except OSError as error:
        raise WorkbookError(
            f"No se pudo leer el archivo de credenciales {path}: {error.strerror}."
        ) from None
    except (ValueError, KeyError, TypeError):
        # `from None`: a parse error may carry the file's text, and the file holds the key.
        raise WorkbookError(
            f"El archivo de credenciales {path} no es una clave JSON de cuenta de servicio válida "
            "(se esperan client_email, private_key y token_uri)."
        ) from None
    return credentials
