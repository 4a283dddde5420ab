"""The capture workbook as a Google spreadsheet, through gspread's HTTP client.

Reading costs two API requests whatever the number of tabs (metadata, then one batchGet):
the Sheets API allows 60 reads a minute per user, and a sync runs every few minutes.
"""

from __future__ import annotations

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
from gspread.utils import absolute_range_name, extract_id_from_url

from sheets_sync.google_format import (
    check_layouts,
    format_requests,
    grid_size,
    update_properties,
)
from sheets_sync.google_http import GOOGLE_API_URL, RetryingHTTPClient, describe_failure
from sheets_sync.workbook import Formula, TabLayout, TabSnapshot, WorkbookError
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
        """Every grid tab's displayed cells, in sheet order, in two requests."""
        before = self._client.requests
        with self._translated("leer"):
            sheets = self._sheets("sheets.properties")
            titles = [sheet["properties"]["title"] for sheet in sheets]
            value_ranges: list[JSON] = []
            if titles:
                answer = self._client.values_batch_get(
                    self.spreadsheet_id,
                    [absolute_range_name(title) for title in titles],
                    params={"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
                )
                value_ranges = answer["valueRanges"]
                if len(value_ranges) != len(titles):
                    raise ValueError("valueRanges")
            tabs = tuple(
                TabSnapshot(
                    title=title,
                    sheet_id=int(sheet["properties"]["sheetId"]),
                    rows=tuple(
                        tuple(str(cell) for cell in row) for row in values.get("values", [])
                    ),
                )
                for title, sheet, values in zip(titles, sheets, value_ranges, strict=True)
            )
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
            sheet_ids = self._restructure(tabs, remove, existing)
            self._write_values(tabs)
            formatting = [
                request
                for tab in tabs
                for request in format_requests(tab, sheet_ids[tab.title], existing.get(tab.title))
            ]
            if formatting:
                self._client.batch_update(self.spreadsheet_id, {"requests": formatting})
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

    def _restructure(
        self, tabs: list[TabLayout], remove: tuple[str, ...], existing: dict[str, JSON]
    ) -> dict[str, int]:
        """Add missing tabs, grow and clear existing ones, delete `remove`; their sheet ids."""
        added = [tab for tab in tabs if tab.title not in existing]
        # Additions first: their replies then line up with `added`, and a workbook is never
        # left without any sheet (which the API refuses) by deleting before adding.
        requests_: list[JSON] = [
            {"addSheet": {"properties": {"title": tab.title, "gridProperties": grid_size(tab)}}}
            for tab in added
        ]
        sheet_ids: dict[str, int] = {}
        for tab in tabs:
            if tab.title in existing:
                properties = existing[tab.title]["properties"]
                sheet_id = sheet_ids[tab.title] = int(properties["sheetId"])
                now = properties.get("gridProperties", {})
                needed = grid_size(tab)
                if any(now.get(key, 0) < size for key, size in needed.items()):
                    grown = {key: max(size, now.get(key, 0)) for key, size in needed.items()}
                    requests_.append(update_properties(sheet_id, grown))
                # Clearing inside this batch saves a values:batchClear request per write.
                clear = {"range": {"sheetId": sheet_id}, "fields": "userEnteredValue,note"}
                requests_.append({"updateCells": clear})
        titles = {tab.title for tab in tabs}
        requests_ += [
            {"deleteSheet": {"sheetId": existing[title]["properties"]["sheetId"]}}
            for title in remove
            if title in existing and title not in titles
        ]
        answer = self._client.batch_update(self.spreadsheet_id, {"requests": requests_})
        for tab, reply in zip(added, answer["replies"], strict=False):
            sheet_ids[tab.title] = int(reply["addSheet"]["properties"]["sheetId"])
        return sheet_ids

    def _write_values(self, tabs: list[TabLayout]) -> None:
        """Every tab's rows from A1: one request, or two if only some tabs hold formulas."""
        by_option: dict[str, list[JSON]] = {}
        for tab in tabs:
            if tab.rows:
                entered = any(isinstance(v, Formula) for row in tab.rows for v in row)
                option = "USER_ENTERED" if entered else "RAW"
                by_option.setdefault(option, []).append(
                    {
                        "range": absolute_range_name(tab.title, "A1"),
                        "majorDimension": "ROWS",
                        "values": [
                            [_entered(v) if entered else _raw(v) for v in row] for row in tab.rows
                        ],
                    }
                )
        for option, data in by_option.items():
            body = {"valueInputOption": option, "data": data}
            self._client.values_batch_update(self.spreadsheet_id, body)

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


def _raw(value: object) -> object:
    return "" if value is None else value


def _entered(value: object) -> object:
    """A value for USER_ENTERED: formulas run, numbers stay numbers, and text is marked with
    the leading apostrophe Sheets reads as "this is text" (so `=ver anexo` or `1,314` typed as
    text are not turned into a formula or a number)."""
    if value is None:
        return ""
    if isinstance(value, str) and value and not isinstance(value, Formula):
        return "'" + value
    return value


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
