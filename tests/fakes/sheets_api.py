"""A local Google Sheets API v4 and OAuth token endpoint, for driving the real gspread in tests.

The server is standard library only (`write_service_account_file` uses cryptography for the key).
The JSON shapes follow the real API's: error bodies, trimmed value ranges, batchUpdate replies,
writes applied atomically. Spreadsheets live in memory; tests set cells up and inspect what a
write left (panes, colours, rules, protections) directly.

    with FakeSheetsApi() as api:
        api.create_spreadsheet("abc", {"Captura": [["Clave", "Meta"], ["1.1", "95%"]]})
        write_service_account_file(tmp_path / "sa.json", token_uri=api.token_uri)
        ...  # point the client at api.url
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

JSON = dict[str, Any]
Box = tuple[int, int, int, int]
"""start_row, end_row, start_col, end_col: 0-based, end exclusive, like a GridRange."""

SERVICE_ACCOUNT_EMAIL = "semaforo-test@semaforo.iam.gserviceaccount.com"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
WRITE_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
}
MESSAGES = {
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute "
    "per user' of service 'sheets.googleapis.com' for consumer 'project_number:1234'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}
ENDPOINTS = {
    "": "get",
    ":batchUpdate": "batchUpdate",
    "/values:batchGet": "values:batchGet",
    "/values:batchUpdate": "values:batchUpdate",
    "/values:batchClear": "values:batchClear",
}


class ApiError(Exception):
    """An error answer, in the API's shape {"error": {"code", "message", "status"}}."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message or MESSAGES.get(code, "Error")

    def body(self) -> JSON:
        status = STATUS_NAMES.get(self.code, "UNKNOWN")
        return {"error": {"code": self.code, "message": self.message, "status": status}}


# --- A1 notation ------------------------------------------------------------------------------


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26."""
    return functools.reduce(lambda n, ch: n * 26 + ord(ch) - ord("A") + 1, letters.upper(), 0) - 1


def cell_at(a1: str) -> tuple[int, int]:
    """'B3' -> (2, 1): 0-based row and column."""
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", a1)
    if not match:
        raise ValueError(a1)
    return int(match[2]) - 1, column_index(match[1])


def quoted_title(title: str) -> str:
    """A tab title as the API writes it in a range: quoted only when it needs to be."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_of(box: Box) -> str:
    start_row, end_row, start_col, end_col = box
    start = f"{column_letters(start_col)}{start_row + 1}"
    end = f"{column_letters(max(end_col - 1, start_col))}{max(end_row, start_row + 1)}"
    return start if start == end else f"{start}:{end}"


def split_range(text: str) -> tuple[str, str | None]:
    """ "'My tab'!A1:B2" -> ("My tab", "A1:B2"); "Tab" -> ("Tab", None)."""
    if not text.startswith("'"):
        title, _, a1 = text.partition("!")
        return title, a1 or None
    title, i = "", 1
    while i < len(text):
        if text[i] == "'":
            if text[i + 1 : i + 2] == "'":
                title, i = title + "'", i + 2
                continue
            rest = text[i + 1 :]
            if rest and not rest.startswith("!"):
                raise ValueError(text)
            return title, rest[1:] or None
        title, i = title + text[i], i + 1
    raise ValueError(text)


# --- The in-memory spreadsheet ----------------------------------------------------------------


@dataclass
class FakeTab:
    """One tab: its properties, its cells (displayed text) and what formatting requests left."""

    sheet_id: int
    title: str
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0
    frozen_cols: int = 0
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    """What each cell displays."""
    numbers: dict[tuple[int, int], tuple[float, str, str]] = field(default_factory=dict)
    """Cells holding a number: (stored value, number-format type, pattern) behind the text."""
    formulas: set[tuple[int, int]] = field(default_factory=set)
    """Cells holding a formula (their text is the formula: the fake does not calculate)."""
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    protected_ranges: list[JSON] = field(default_factory=list)
    conditional_formats: list[JSON] = field(default_factory=list)
    validations: list[tuple[Box, JSON | None]] = field(default_factory=list)
    backgrounds: list[tuple[Box, JSON | None]] = field(default_factory=list)
    column_widths: dict[int, int] = field(default_factory=dict)
    row_heights: dict[int, int] = field(default_factory=dict)

    @property
    def whole(self) -> Box:
        return (0, self.row_count, 0, self.column_count)

    def properties(self, index: int) -> JSON:
        grid: JSON = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }

    def rows(self, box: Box | None = None) -> list[list[str]]:
        """The values in `box` as the API returns them: trailing empties trimmed."""
        start_row, end_row, start_col, end_col = box or self.whole
        rows = [
            [self.cells.get((r, c), "") for c in range(start_col, end_col)]
            for r in range(start_row, end_row)
        ]
        for row in rows:
            while row and row[-1] == "":
                row.pop()
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def background_at(self, a1: str) -> JSON | None:
        """The background colour the last repeatCell covering this cell set, if any."""
        return _last_covering(self.backgrounds, cell_at(a1))

    def validation_at(self, a1: str) -> JSON | None:
        """The data validation rule on this cell, if any."""
        return _last_covering(self.validations, cell_at(a1))


def _last_covering(layers: list[tuple[Box, JSON | None]], cell: tuple[int, int]) -> JSON | None:
    row, col = cell
    for (start_row, end_row, start_col, end_col), value in reversed(layers):
        if start_row <= row < end_row and start_col <= col < end_col:
            return value
    return None


@dataclass
class FakeSpreadsheet:
    spreadsheet_id: str
    title: str
    tabs: list[FakeTab]

    def tab(self, title: str) -> FakeTab:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        raise KeyError(title)

    def tab_by_id(self, sheet_id: int) -> FakeTab:
        for tab in self.tabs:
            if tab.sheet_id == sheet_id:
                return tab
        raise ApiError(400, f"No grid with id: {sheet_id}")

    def target(self, text: str) -> tuple[FakeTab, Box]:
        """The tab and rectangle an A1 range names; 400 as the API when it cannot."""
        try:
            title, a1 = split_range(text)
            tab = self.tab(title)
            return tab, tab.whole if a1 is None else _box_of(a1, tab)
        except (KeyError, ValueError):
            raise ApiError(400, f"Unable to parse range: {text}") from None


def _box_of(a1: str, tab: FakeTab) -> Box:
    match = re.fullmatch(r"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?", a1)
    if not match or not (match[1] or match[2]):
        raise ValueError(a1)
    start_col = column_index(match[1]) if match[1] else 0
    start_row = int(match[2]) - 1 if match[2] else 0
    if match[3] is None and match[4] is None:
        return start_row, start_row + 1, start_col, start_col + 1
    end_col = column_index(match[3]) + 1 if match[3] else tab.column_count
    end_row = int(match[4]) if match[4] else tab.row_count
    return start_row, end_row, start_col, end_col


@dataclass
class Fault:
    status: int | None
    times: int | None  # None: every matching request from now on
    path_contains: str | None
    delay: float
    retry_after: str | None
    answer: JSON | None = None

    def matches(self, path: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.path_contains is None:
            return path.startswith("/v4/")  # faults target the API, not the token exchange
        return self.path_contains in path


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    endpoint: str
    body: Any = None
    """The JSON body of an API request (None for GETs and the token exchange)."""


# --- The server -------------------------------------------------------------------------------


class FakeSheetsApi:
    """The Sheets API v4 on 127.0.0.1 (a free port), in a daemon thread; a context manager."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.log: list[LoggedRequest] = []
        self.counts: Counter[str] = Counter()
        self.scopes: list[str] = []
        """The scope of every token issued, in order."""
        self._tokens: dict[str, tuple[str, str]] = {}  # token -> (scope, e-mail)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1_384_112_901, 97_531)  # not indexes, as in the real API
        self._protected_ids = itertools.count(1_500_000_001, 2)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to use instead of https://sheets.googleapis.com."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    # Test setup and inspection

    def create_spreadsheet(
        self,
        spreadsheet_id: str,
        tabs: Mapping[str, Sequence[Sequence[str]]] | Sequence[str],
        *,
        title: str = "Captura PAT",
        row_count: int = 1000,
        column_count: int = 26,
    ) -> FakeSpreadsheet:
        """A spreadsheet with these tabs (title -> rows of text, or just titles); first id is 0."""
        grids = tabs if isinstance(tabs, Mapping) else {name: [] for name in tabs}
        sheet = FakeSpreadsheet(spreadsheet_id, title, [])
        for n, (name, rows) in enumerate(grids.items()):
            tab = FakeTab(0 if n == 0 else next(self._ids), name, row_count, column_count)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value != "":
                        tab.cells[r, c] = value
            sheet.tabs.append(tab)
        with self._lock:
            self.spreadsheets[spreadsheet_id] = sheet
        return sheet

    def tab(self, spreadsheet_id: str, title: str) -> FakeTab:
        return self.spreadsheets[spreadsheet_id].tab(title)

    def set_cell(self, spreadsheet_id: str, title: str, a1: str, value: str) -> None:
        """A person types `value` into the cell (Sheets turns `1,314`, `88%` and dates typed in
        the spreadsheet's es_MX locale into numbers with a format, as it does)."""
        with self._lock:
            _enter(self.tab(spreadsheet_id, title), cell_at(a1), value)

    def type_number(
        self, spreadsheet_id: str, title: str, a1: str, value: float, pattern: str = ""
    ) -> None:
        """A number typed into a cell that keeps (or is given) a number format: the cell stores
        `value` and displays it as the format says (`#,##0`, `0%`, `0.0%`)."""
        with self._lock:
            tab = self.tab(spreadsheet_id, title)
            key = cell_at(a1)
            pattern = pattern or (tab.numbers[key][2] if key in tab.numbers else "")
            kind = "PERCENT" if "%" in pattern else "NUMBER"
            tab.numbers[key] = (value, kind, pattern)
            tab.cells[key] = _formatted(value, pattern)

    def cell(self, spreadsheet_id: str, title: str, a1: str) -> str:
        return self.tab(spreadsheet_id, title).cells.get(cell_at(a1), "")

    def values(self, spreadsheet_id: str, title: str) -> list[list[str]]:
        return self.tab(spreadsheet_id, title).rows()

    def rename_tab(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        with self._lock:
            self.tab(spreadsheet_id, title).title = new_title

    def delete_tab(self, spreadsheet_id: str, title: str) -> None:
        with self._lock:
            self.spreadsheets[spreadsheet_id].tabs.remove(self.tab(spreadsheet_id, title))

    def inject(
        self,
        status: int | None = None,
        *,
        times: int | None = 1,
        path_contains: str | None = None,
        delay: float = 0.0,
        retry_after: str | None = None,
        answer: JSON | None = None,
    ) -> None:
        """The next `times` API requests (None: all) whose path contains `path_contains` wait
        `delay` seconds, then answer `status` in the API's error shape, or `answer` (a body
        the real API would never send, status 200), or normally when both are None."""
        with self._lock:
            self._faults.append(Fault(status, times, path_contains, delay, retry_after, answer))

    def count(self, endpoint: str) -> int:
        """Requests received by an endpoint: token, get, batchUpdate, values:batchGet, ..."""
        return self.counts[endpoint]

    @property
    def api_requests(self) -> int:
        """Every request to /v4, whatever it was answered."""
        return sum(n for endpoint, n in self.counts.items() if endpoint != "token")

    # Dispatch (called from the handler threads)

    def handle(
        self, method: str, raw_path: str, authorization: str, body: bytes
    ) -> tuple[int, JSON, dict[str, str]]:
        """One request: its status, JSON body and extra headers."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        endpoint = "token" if path == "/token" else "unknown"
        if match:
            endpoint = ENDPOINTS.get(match[2], "unknown")
        with self._lock:
            self.log.append(LoggedRequest(method, path, query, endpoint, _json_or_none(body)))
            self.counts[endpoint] += 1
            fault = next((f for f in self._faults if f.matches(path)), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.answer is not None:
            return fault.status or 200, fault.answer, {}
        if fault is not None and fault.status is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return fault.status, ApiError(fault.status).body(), extra
        if endpoint == "token" and method == "POST":
            return self._token(body)
        try:
            if not match or endpoint == "unknown":
                raise ApiError(404, f"Method not found: {method} {path}")
            scope, email = self._caller(authorization)
            if method == "POST" and scope != WRITE_SCOPE:
                raise ApiError(403, "Request had insufficient authentication scopes.")
            payload = json.loads(body or b"{}")
            with self._lock:
                if match[1] not in self.spreadsheets:
                    raise ApiError(404)
                return 200, self._answer(endpoint, match[1], query, payload, email), {}
        except ApiError as error:
            return error.code, error.body(), {}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # A body the real API would reject as malformed; answering beats a dropped socket.
            return 400, ApiError(400, f"Invalid JSON payload received. {error!r}").body(), {}

    def _caller(self, authorization: str) -> tuple[str, str]:
        token = authorization.removeprefix("Bearer ")
        if token not in self._tokens:
            raise ApiError(401)
        return self._tokens[token]

    def _token(self, body: bytes) -> tuple[int, JSON, dict[str, str]]:
        form = parse_qs(body.decode())
        assertion = form.get("assertion", [""])[0]
        parts = assertion.split(".")
        try:
            if form.get("grant_type") != [JWT_GRANT] or len(parts) != 3:
                raise ValueError("not a JWT bearer grant")
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
            scope, email = str(claims["scope"]), str(claims["iss"])
        except (ValueError, KeyError) as error:
            return 400, {"error": "invalid_grant", "error_description": str(error)}, {}
        with self._lock:
            token = f"ya29.fake-{len(self._tokens) + 1}"
            self._tokens[token] = (scope, email)
            self.scopes.append(scope)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}, {}

    def _answer(
        self,
        endpoint: str,
        spreadsheet_id: str,
        query: dict[str, list[str]],
        body: JSON,
        email: str,
    ) -> JSON:
        sheet = self.spreadsheets[spreadsheet_id]
        if endpoint == "get":
            grid = query.get("includeGridData", ["false"])[0] == "true"
            return _metadata(sheet, ",".join(query.get("fields", [])), grid=grid)
        if endpoint == "values:batchGet":
            return _batch_get(
                sheet, query.get("ranges", []), query.get("majorDimension", ["ROWS"])[0]
            )
        # Writes apply to a copy that replaces the original only if every part succeeds,
        # since the real API applies a batch atomically.
        draft = copy.deepcopy(sheet)
        if endpoint == "values:batchUpdate":
            answer = _values_update(draft, body)
        elif endpoint == "values:batchClear":
            answer = _values_clear(draft, body)
        else:
            answer = _BatchUpdate(draft, self, email).run(body)
        self.spreadsheets[spreadsheet_id] = draft
        return answer


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    fake: FakeSheetsApi


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, answer, headers = self.server.fake.handle(
            method, self.path, self.headers.get("Authorization", ""), body
        )
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nobody is listening any more

    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- Endpoints --------------------------------------------------------------------------------


def _metadata(sheet: FakeSpreadsheet, fields: str, *, grid: bool = False) -> JSON:
    # `fields` is honoured loosely: protections and rules only when asked for (or no mask).
    def wanted(name: str) -> bool:
        return not fields or name in fields

    sheets = []
    for index, tab in enumerate(sheet.tabs):
        entry: JSON = {"properties": tab.properties(index)}
        if tab.protected_ranges and wanted("protectedRanges"):
            entry["protectedRanges"] = copy.deepcopy(tab.protected_ranges)
        if tab.conditional_formats and wanted("conditionalFormats"):
            entry["conditionalFormats"] = copy.deepcopy(tab.conditional_formats)
        if grid:
            entry["data"] = [_grid_data(tab)]
        sheets.append(entry)
    return {
        "spreadsheetId": sheet.spreadsheet_id,
        "properties": {"title": sheet.title, "locale": "es_MX", "timeZone": "America/Mexico_City"},
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sheet.spreadsheet_id}/edit",
    }


def _batch_get(sheet: FakeSpreadsheet, ranges: list[str], dimension: str) -> JSON:
    value_ranges = []
    for text in ranges:
        tab, box = sheet.target(text)
        start_row, end_row, start_col, end_col = box
        box = (start_row, min(end_row, tab.row_count), start_col, min(end_col, tab.column_count))
        entry: JSON = {
            "range": f"{quoted_title(tab.title)}!{a1_of(box)}",
            "majorDimension": dimension,
        }
        rows = tab.rows(box)
        if dimension == "COLUMNS":
            width = max((len(row) for row in rows), default=0)
            rows = [[row[c] if c < len(row) else "" for row in rows] for c in range(width)]
            rows = [[*itertools.dropwhile(lambda v: v == "", col[::-1])][::-1] for col in rows]
        if rows:
            entry["values"] = rows
        value_ranges.append(entry)
    return {"spreadsheetId": sheet.spreadsheet_id, "valueRanges": value_ranges}


_DATE_TYPED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _enter(tab: FakeTab, key: tuple[int, int], text: str) -> None:
    """A value entered as a person types it (USER_ENTERED): numbers, percents and dates become
    numbers with a format, the rest stays text; the cell displays what was typed."""
    tab.numbers.pop(key, None)
    tab.formulas.discard(key)
    if text.startswith("'"):  # the leading apostrophe: "this is text", not kept in the cell
        if text[1:]:
            tab.cells[key] = text[1:]
        else:
            tab.cells.pop(key, None)
        return
    if text == "":
        tab.cells.pop(key, None)
        return
    tab.cells[key] = text
    if text.startswith("="):
        tab.formulas.add(key)
        return
    plain = text.replace(",", "")
    if re.fullmatch(r"-?\d+(\.\d+)?", plain):
        pattern = "#,##0" if "," in text else ""
        tab.numbers[key] = (float(plain), "NUMBER", pattern)
    elif re.fullmatch(r"-?\d+(\.\d+)?%", plain):
        tab.numbers[key] = (float(plain[:-1]) / 100, "PERCENT", "0%")
    elif match := _DATE_TYPED.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        serial = (dt.date(year, month, day) - dt.date(1899, 12, 30)).days
        tab.numbers[key] = (float(serial), "DATE", "dd/mm/yyyy")


def _formatted(value: float, pattern: str) -> str:
    """What a number displays under the few patterns the tests use."""
    if pattern.endswith("%"):
        decimals = len(pattern.split(".")[1]) - 1 if "." in pattern else 0
        return f"{value * 100:.{decimals}f}%"
    if pattern == "#,##0":
        return f"{value:,.0f}"
    return _as_text(value) or ""


def _grid_data(tab: FakeTab) -> JSON:
    """A tab's cells as `includeGridData` returns them."""
    if not tab.cells:
        return {"rowData": []}
    widths: dict[int, int] = {}
    for r, c in tab.cells:
        widths[r] = max(widths.get(r, 0), c + 1)
    rows = [
        {"values": [_cell_data(tab, (r, c)) for c in range(widths.get(r, 0))]}
        for r in range(max(widths) + 1)
    ]
    return {"startRow": 0, "startColumn": 0, "rowData": rows}


def _cell_data(tab: FakeTab, key: tuple[int, int]) -> JSON:
    text = tab.cells.get(key)
    if text is None:
        return {}
    if key in tab.numbers:
        value, kind, pattern = tab.numbers[key]
        number_format = {"type": kind, **({"pattern": pattern} if pattern else {})}
        return {
            "userEnteredValue": {"numberValue": value},
            "effectiveValue": {"numberValue": value},
            "formattedValue": text,
            "effectiveFormat": {"numberFormat": number_format},
        }
    if key in tab.formulas:  # the fake does not calculate: a formula shows nothing
        return {"userEnteredValue": {"formulaValue": text}}
    return {
        "userEnteredValue": {"stringValue": text},
        "effectiveValue": {"stringValue": text},
        "formattedValue": text,
    }


def _as_text(value: Any) -> str | None:
    """A written value as the text the cell then displays; None leaves the cell alone."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _values_update(sheet: FakeSpreadsheet, body: JSON) -> JSON:
    if body.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, "'valueInputOption' is required but not specified")
    responses: list[JSON] = []
    for entry in body.get("data", []):
        tab, (start_row, _, start_col, _) = sheet.target(entry["range"])
        values = entry.get("values", [])
        rows, cols = len(values), max((len(row) for row in values), default=0)
        box = (start_row, start_row + rows, start_col, start_col + cols)
        if box[1] > tab.row_count or box[3] > tab.column_count:
            raise ApiError(
                400,
                f"Range ({quoted_title(tab.title)}!{a1_of(box)}) exceeds grid limits. "
                f"Max rows: {tab.row_count}, max columns: {tab.column_count}",
            )
        entered = body["valueInputOption"] == "USER_ENTERED"
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                key = (start_row + r, start_col + c)
                if value is None:
                    continue
                tab.formulas.discard(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    tab.cells[key] = _as_text(value) or "0"
                    tab.numbers[key] = (float(value), "NUMBER", "")
                elif entered and isinstance(value, str):
                    _enter(tab, key, value)
                else:
                    tab.numbers.pop(key, None)
                    text = _as_text(value)
                    if text:
                        tab.cells[key] = text
                    else:
                        tab.cells.pop(key, None)
        responses.append(
            {
                "spreadsheetId": sheet.spreadsheet_id,
                "updatedRange": f"{quoted_title(tab.title)}!{a1_of(box)}",
                "updatedRows": rows,
                "updatedColumns": cols,
                "updatedCells": rows * cols,
            }
        )
    return {
        "spreadsheetId": sheet.spreadsheet_id,
        "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
        "totalUpdatedColumns": max((r["updatedColumns"] for r in responses), default=0),
        "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
        "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in responses}),
        "responses": responses,
    }


def _values_clear(sheet: FakeSpreadsheet, body: JSON) -> JSON:
    cleared = []
    for text in body.get("ranges", []):
        tab, (start_row, end_row, start_col, end_col) = sheet.target(text)
        for r, c in list(tab.cells):
            if start_row <= r < end_row and start_col <= c < end_col:
                del tab.cells[r, c]
                tab.numbers.pop((r, c), None)
                tab.formulas.discard((r, c))
        cleared.append(
            f"{quoted_title(tab.title)}!{a1_of((start_row, end_row, start_col, end_col))}"
        )
    return {"spreadsheetId": sheet.spreadsheet_id, "clearedRanges": cleared}


def _field_paths(mask: str) -> set[str]:
    """'gridProperties(rowCount,frozenRowCount),title' -> {'gridProperties.rowCount', ...}."""
    paths: set[str] = set()
    for prefix, inner, plain in re.findall(r"(\w+)\(([^)]*)\)|([\w.*]+)", mask):
        if plain:
            paths.add(plain)
        else:
            paths.update(f"{prefix}.{name.strip()}" for name in inner.split(","))
    return paths


GRID_FIELDS = {
    "rowCount": "row_count",
    "columnCount": "column_count",
    "frozenRowCount": "frozen_rows",
    "frozenColumnCount": "frozen_cols",
}


class _BatchUpdate:
    """spreadsheets:batchUpdate, one request kind per method; replies as the real API's."""

    def __init__(self, sheet: FakeSpreadsheet, api: FakeSheetsApi, caller: str) -> None:
        self.sheet = sheet
        self.api = api
        self.caller = caller

    def run(self, body: JSON) -> JSON:
        replies = []
        for i, request in enumerate(body.get("requests", [])):
            (kind, args), *more = request.items() if request else [("", {})]
            handler: Callable[[JSON], JSON] | None = getattr(self, f"do_{kind}", None)
            if more or handler is None:
                raise ApiError(
                    400,
                    f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                    "Cannot find field.",
                )
            try:
                replies.append(handler(args))
            except ApiError as error:
                raise ApiError(400, f"Invalid requests[{i}].{kind}: {error.message}") from None
        return {"spreadsheetId": self.sheet.spreadsheet_id, "replies": replies}

    def _grid(self, grid: JSON) -> tuple[FakeTab, Box]:
        tab = self.sheet.tab_by_id(int(grid.get("sheetId", 0)))
        box = (
            int(grid.get("startRowIndex", 0)),
            int(grid.get("endRowIndex", tab.row_count)),
            int(grid.get("startColumnIndex", 0)),
            int(grid.get("endColumnIndex", tab.column_count)),
        )
        start_row, end_row, start_col, end_col = box
        if not (0 <= start_row <= end_row <= tab.row_count) or not (
            0 <= start_col <= end_col <= tab.column_count
        ):
            raise ApiError(
                400, f"Range ({quoted_title(tab.title)}!{a1_of(box)}) exceeds grid limits."
            )
        return tab, box

    def do_addSheet(self, args: JSON) -> JSON:
        props = args.get("properties", {})
        title = props.get("title", f"Hoja {len(self.sheet.tabs) + 1}")
        if any(tab.title == title for tab in self.sheet.tabs):
            raise ApiError(
                400, f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        sheet_id = int(props.get("sheetId", next(self.api._ids)))
        if any(tab.sheet_id == sheet_id for tab in self.sheet.tabs):
            raise ApiError(400, f"Sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties", {})
        tab = FakeTab(sheet_id, title, grid.get("rowCount", 1000), grid.get("columnCount", 26))
        tab.frozen_rows = grid.get("frozenRowCount", 0)
        tab.frozen_cols = grid.get("frozenColumnCount", 0)
        index = props.get("index", len(self.sheet.tabs))
        self.sheet.tabs.insert(index, tab)
        return {"addSheet": {"properties": tab.properties(self.sheet.tabs.index(tab))}}

    def do_deleteSheet(self, args: JSON) -> JSON:
        tab = self.sheet.tab_by_id(int(args.get("sheetId", 0)))
        if len(self.sheet.tabs) == 1:
            raise ApiError(400, "You can't remove all the sheets in a document.")
        self.sheet.tabs.remove(tab)
        return {}

    def do_updateSheetProperties(self, args: JSON) -> JSON:
        props = args.get("properties", {})
        tab = self.sheet.tab_by_id(int(props.get("sheetId", 0)))
        paths = _field_paths(args.get("fields", ""))
        if not paths:
            raise ApiError(400, "At least one field must be updated, 'fields' is empty.")
        grid = props.get("gridProperties", {})
        for name, attribute in GRID_FIELDS.items():
            if paths & {"*", "gridProperties", f"gridProperties.{name}"}:
                setattr(tab, attribute, int(grid.get(name, 0)))
        if paths & {"*", "title"} and "title" in props:
            tab.title = props["title"]
        if tab.frozen_rows >= tab.row_count or tab.frozen_cols >= tab.column_count:
            raise ApiError(400, "You can't freeze all visible rows on the sheet.")
        return {}

    def do_repeatCell(self, args: JSON) -> JSON:
        tab, box = self._grid(args.get("range", {}))
        paths = _field_paths(args.get("fields", ""))
        if paths & {"*", "userEnteredFormat", "userEnteredFormat.backgroundColor"}:
            colour = args.get("cell", {}).get("userEnteredFormat", {}).get("backgroundColor")
            tab.backgrounds = _layered(tab.backgrounds, tab, box, colour)
        return {}

    def do_setDataValidation(self, args: JSON) -> JSON:
        tab, box = self._grid(args.get("range", {}))
        rule = args.get("rule")
        if rule is not None and "type" not in rule.get("condition", {}):
            raise ApiError(400, "Invalid ConditionType.")
        tab.validations = _layered(tab.validations, tab, box, rule)
        return {}

    def do_addConditionalFormatRule(self, args: JSON) -> JSON:
        rule = args.get("rule", {})
        tabs = {self._grid(grid)[0].sheet_id for grid in rule.get("ranges", [])}
        if len(tabs) != 1 or not ({"booleanRule", "gradientRule"} & rule.keys()):
            raise ApiError(400, "A conditional format rule needs ranges on one sheet and a rule.")
        tab = self.sheet.tab_by_id(tabs.pop())
        index = int(args.get("index", 0))
        if not 0 <= index <= len(tab.conditional_formats):
            raise ApiError(400, f"Invalid index: {index}")
        tab.conditional_formats.insert(index, copy.deepcopy(rule))
        return {}

    def do_deleteConditionalFormatRule(self, args: JSON) -> JSON:
        tab = self.sheet.tab_by_id(int(args.get("sheetId", 0)))
        index = int(args.get("index", 0))
        if not 0 <= index < len(tab.conditional_formats):
            raise ApiError(400, f"No conditional format on sheet: {tab.sheet_id} at index: {index}")
        return {"deleteConditionalFormatRule": {"rule": tab.conditional_formats.pop(index)}}

    def do_addProtectedRange(self, args: JSON) -> JSON:
        protected = copy.deepcopy(args.get("protectedRange", {}))
        tab, _ = self._grid(protected.get("range", {}))
        protected["protectedRangeId"] = next(self.api._protected_ids)
        users = protected.setdefault("editors", {}).setdefault("users", [])
        if self.caller not in users:  # the real API always lets the requester edit
            users.append(self.caller)
        tab.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}

    def do_deleteProtectedRange(self, args: JSON) -> JSON:
        wanted = args.get("protectedRangeId")
        for tab in self.sheet.tabs:
            for protected in tab.protected_ranges:
                if protected["protectedRangeId"] == wanted:
                    tab.protected_ranges.remove(protected)
                    return {}
        raise ApiError(400, f"No protected range with id: {wanted}")

    def do_updateDimensionProperties(self, args: JSON) -> JSON:
        span = args.get("range", {})
        tab = self.sheet.tab_by_id(int(span.get("sheetId", 0)))
        columns = span.get("dimension") == "COLUMNS"
        limit = tab.column_count if columns else tab.row_count
        start, end = int(span.get("startIndex", 0)), int(span.get("endIndex", limit))
        if not 0 <= start <= end <= limit:
            raise ApiError(400, "Range exceeds grid limits.")
        sizes = tab.column_widths if columns else tab.row_heights
        for index in range(start, end):
            sizes[index] = int(args.get("properties", {}).get("pixelSize", 100))
        return {}

    def do_updateCells(self, args: JSON) -> JSON:
        paths = _field_paths(args.get("fields", ""))
        values, notes = bool(paths & {"*", "userEnteredValue"}), bool(paths & {"*", "note"})
        if "start" in args:
            start = args["start"]
            tab = self.sheet.tab_by_id(int(start.get("sheetId", 0)))
            box = (
                start.get("rowIndex", 0),
                tab.row_count,
                start.get("columnIndex", 0),
                tab.column_count,
            )
        else:
            tab, box = self._grid(args.get("range", {}))
        rows = args.get("rows")
        if rows is None:  # no data: clear the listed fields over the range
            stores: list[tuple[dict[tuple[int, int], Any], bool]] = [
                (tab.cells, values), (tab.numbers, values), (tab.notes, notes),
            ]  # fmt: skip
            for store, wanted in stores:
                for r, c in [key for key in store if wanted and _inside(key, box)]:
                    del store[r, c]
            if values:
                tab.formulas -= {key for key in tab.formulas if _inside(key, box)}
            return {}
        for r, row in enumerate(rows):
            for c, cell in enumerate(row.get("values", [])):
                key = (box[0] + r, box[2] + c)
                if not _inside(key, box):
                    raise ApiError(400, "Range exceeds grid limits.")
                entered = cell.get("userEnteredValue", {})
                text = next((_as_text(v) for v in entered.values()), "")
                if values:
                    tab.numbers.pop(key, None)
                    tab.formulas.discard(key)
                if values and "numberValue" in entered:
                    tab.numbers[key] = (float(entered["numberValue"]), "NUMBER", "")
                elif values and "formulaValue" in entered:
                    tab.formulas.add(key)
                for store, wanted, new in (
                    (tab.cells, values, text),
                    (tab.notes, notes, cell.get("note", "")),
                ):
                    if wanted and new:
                        store[key] = new
                    elif wanted:
                        store.pop(key, None)
        return {}


def _inside(cell: tuple[int, int], box: Box) -> bool:
    return box[0] <= cell[0] < box[1] and box[2] <= cell[1] < box[3]


def _layered(
    layers: list[tuple[Box, JSON | None]], tab: FakeTab, box: Box, value: JSON | None
) -> list[tuple[Box, JSON | None]]:
    """Add a layer; one covering the whole tab makes the earlier ones irrelevant."""
    if box == tab.whole:
        return [] if value is None else [(box, value)]
    return [*layers, (box, copy.deepcopy(value))]


# --- Credentials ------------------------------------------------------------------------------


@functools.cache
def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_service_account_file(
    path: Path, *, token_uri: str, client_email: str = SERVICE_ACCOUNT_EMAIL
) -> Path:
    """A service-account key file whose token exchange goes to `token_uri` (the fake's)."""
    info = {
        "type": "service_account",
        "project_id": "semaforo-test",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": _private_key_pem(),
        "client_email": client_email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return path
