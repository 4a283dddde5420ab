"""The embedded default: the capture workbook as a local .xlsx file (openpyxl)."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheets_sync.workbook import (
    Fill,
    Formula,
    Stored,
    TabLayout,
    TabSnapshot,
    WorkbookError,
    WorkbookSnapshot,
    number_text,
)

log = logging.getLogger(__name__)

FILLS = {
    Fill.HEADER: "DCE6F1",
    Fill.CLOSED: "BFBFBF",
    Fill.INPUT: "FFFFFF",
    Fill.INFO: "F3F6FA",
}
BAND_COLOURS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE", "exceeded": "BDD7EE"}


class XlsxWorkbook:
    """A workbook in a local .xlsx file; reads make no API requests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._uri = path.resolve().as_uri()  # once: link_to runs for every row of a sync

    def read(self) -> WorkbookSnapshot:
        """Every tab's cells as the text a person sees (formulas stay formulas)."""
        if not self.path.is_file():
            raise WorkbookError(f"no existe el libro {self.path}; créelo con «semaforo sheet init»")
        try:
            # Not read-only mode: it needs the whole file anyway and gives number formats cheaply.
            book = load_workbook(self.path, data_only=False)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise WorkbookError(f"el libro {self.path} no se pudo leer: {exc}") from exc
        tabs = tuple(_snapshot(ws, index) for index, ws in enumerate(book.worksheets))
        book.close()
        return WorkbookSnapshot(tabs=tabs, requests=0)

    def write(self, tabs: list[TabLayout], *, remove: tuple[str, ...] = ()) -> int:
        """Lay the tabs out; the file is replaced atomically so a failure leaves it as it was."""
        book = load_workbook(self.path) if self.path.is_file() else OpenpyxlWorkbook()
        if not self.path.is_file() and book.worksheets:
            book.remove(book.worksheets[0])  # the blank sheet a new workbook starts with
        for title in remove:
            if title in book.sheetnames:
                book.remove(book[title])
        for layout in tabs:
            ws = (
                book[layout.title]
                if layout.title in book.sheetnames
                else book.create_sheet(layout.title)
            )
            _lay_out(ws, layout)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".xlsx.tmp")
        os.close(fd)
        failure: OSError | None = None
        try:
            book.save(tmp)
            # mkstemp makes the file 0600: the new workbook keeps the old one's mode (or the
            # mode a new file gets under the umask), so people who could open it still can.
            os.chmod(tmp, _mode_for(self.path))
            os.replace(tmp, self.path)
        except OSError as exc:
            failure = exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        if failure is not None:
            reason = failure.strerror or type(failure).__name__
            del failure
            _drop_half_written(book)
            raise WorkbookError(
                f"no se pudo escribir el libro {self.path} ({reason}); quedó como estaba"
            )
        return 0

    def link_to(self, tab: TabSnapshot | str, row: int) -> str:
        """A file link with the tab and row, for people who open the file locally."""
        title = tab.title if isinstance(tab, TabSnapshot) else tab
        return f"{self._uri}#'{title}'!A{row}"


def _drop_half_written(book: OpenpyxlWorkbook) -> None:
    """After a failed save, openpyxl's half-run writers complain when collected; they are
    collected here, quietly (the failure is already reported in one line)."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: log.debug("openpyxl writer: %s", unraisable.exc_value)
    try:
        del book
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _mode_for(path: Path) -> int:
    """The permission bits the written file should have."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _snapshot(ws: Worksheet, index: int) -> TabSnapshot:
    """A sheet's displayed text and stored values, without its trailing empty rows."""
    cells = [tuple(row) for row in ws.iter_rows()]
    rows = [tuple(_displayed(c) for c in row) for row in cells]
    while rows and not any(rows[-1]):
        rows.pop()
    values = tuple(tuple(_stored(c) for c in row) for row in cells[: len(rows)])
    return TabSnapshot(title=ws.title, sheet_id=index, rows=tuple(rows), values=values)


def _stored(cell: object) -> Stored:
    """What the cell holds: a number, text, or a formula (text as the cell shows it else)."""
    if not isinstance(cell, Cell) or cell.value is None:
        return None
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _displayed(cell)
    if isinstance(value, int | float):
        return float(value)
    return Formula(value) if cell.data_type == "f" else value


def _displayed(cell: object) -> str:
    """The text a person sees in the cell (a percent cell shows 95%, a date shows a date)."""
    if not isinstance(cell, Cell):
        return ""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, int | float):
        return number_text(float(value), percent_format="%" in (cell.number_format or ""))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _lay_out(ws: Worksheet, layout: TabLayout) -> None:
    if ws.max_row > 0:
        ws.delete_rows(1, ws.max_row)
    ws.conditional_formatting = ConditionalFormattingList()  # re-running init must not pile up
    ws.data_validations.dataValidation.clear()
    for r, values in enumerate(layout.rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            written = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("=") and not isinstance(value, Formula):
                written.data_type = "s"  # text a person typed, kept as text rather than run
    for cells, fill in layout.fills:
        pattern = PatternFill("solid", fgColor=FILLS[fill])
        for grid_row in ws.iter_rows(
            min_row=cells.start_row + 1, max_row=cells.end_row,
            min_col=cells.start_col + 1, max_col=cells.end_col,
        ):  # fmt: skip
            for target in grid_row:
                target.fill = pattern
    for c in range(1, len(layout.rows[1]) + 1 if len(layout.rows) > 1 else 1):
        ws.cell(row=2, column=c).font = Font(bold=True)
    ws.freeze_panes = f"{get_column_letter(layout.frozen_cols + 1)}{layout.frozen_rows + 1}"
    for cells in layout.number_cells:
        validation = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            errorStyle="warning", showErrorMessage=True,
            error="Escriba un número mayor o igual a 0",
        )  # fmt: skip
        validation.add(_a1(cells.start_row, cells.end_row, cells.start_col, cells.end_col))
        ws.add_data_validation(validation)
    for cells, bands in layout.bands:
        ref = _a1(cells.start_row, cells.end_row, cells.start_col, cells.end_col)
        for band in bands:
            rule = Rule(
                type="cellIs", operator="between",
                formula=[str(band.low), str(band.high - 1e-9)],
                dxf=DifferentialStyle(fill=PatternFill("solid", bgColor=BAND_COLOURS[band.colour])),
            )  # fmt: skip
            ws.conditional_formatting.add(ref, rule)
    for index, width in enumerate(layout.column_widths, start=1):
        if width:
            ws.column_dimensions[get_column_letter(index)].width = width / 7


def _a1(start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    first = f"{get_column_letter(start_col + 1)}{start_row + 1}"
    return f"{first}:{get_column_letter(end_col)}{max(end_row, start_row + 1)}"
