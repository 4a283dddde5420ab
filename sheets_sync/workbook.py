"""The capture workbook behind one narrow interface: a Google spreadsheet or a local .xlsx file.

Adapters only move cells: `read` returns every tab's cells as the text a person sees, `write`
lays tabs out as `TabLayout`s describe them. What the cells mean is decided elsewhere (the pure
`sheets_sync.parse` and `sheets_sync.layout`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from semaforo.values import plain


class Formula(str):
    """A formula the layout writes (`=IF(…)`): any other text starting with `=` is plain text
    a person typed (`=ver anexo`) and is written back as text."""

    __slots__ = ()


Stored = str | float | None
"""A cell's stored value: text (a `Formula` is text too), a number, or nothing."""


PERCENT_AS_TYPED_ABOVE = 1.5
"""In a cell formatted as a percent, a stored number above this was typed as a plain number
(`95.5` over an old `50%` shows 9550 %): it is read as typed, not as the format shows it."""


def number_text(value: float, *, percent_format: bool = False) -> str:
    """A stored number as the parser reads it: exact, whatever the cell's display rounds to
    (`1314.67` under `#,##0`), and `95%` for a percent a person typed as one."""
    if percent_format and abs(value) <= PERCENT_AS_TYPED_ABOVE:
        return f"{plain(value * 100)}%"
    return plain(value)


class WorkbookError(Exception):
    """The workbook could not be read or written; the message says what happened, in Spanish."""


@dataclass(frozen=True, slots=True)
class TabSnapshot:
    """One tab as read: its title, its id (Google's sheetId; the index for .xlsx), its cells.

    `rows[r][c]` is the displayed text of row r+1, column c+1 (the formatted value, so a date
    the sheet auto-converted arrives as the date a person sees, not as a serial number). Rows
    may be ragged; missing cells are empty.
    """

    title: str
    sheet_id: int
    rows: tuple[tuple[str, ...], ...]
    values: tuple[tuple[Stored, ...], ...] = ()
    """The stored value behind each displayed cell, where the adapter knows it: a number as a
    float, text as text, a formula as a `Formula`; `()` when only the text is known. Re-running
    `sheet init` writes these back, so a typed number stays a number and text stays text."""

    def stored(self, row: int, col: int) -> Stored:
        """The stored value at 0-based (row, col), else the displayed text ('' when empty)."""
        if row < len(self.values) and col < len(self.values[row]):
            return self.values[row][col]
        return self.rows[row][col] if row < len(self.rows) and col < len(self.rows[row]) else ""


@dataclass(frozen=True, slots=True)
class WorkbookSnapshot:
    """The whole workbook at one moment, and how many API requests reading it took."""

    tabs: tuple[TabSnapshot, ...]
    requests: int = 0


class Fill(enum.StrEnum):
    """Background colours the layout uses."""

    HEADER = "header"  # frozen header rows
    CLOSED = "closed"  # a cell not due that month: grey
    INPUT = "input"  # a cell to type into: white
    INFO = "info"  # read-only information (target, name): light


@dataclass(frozen=True, slots=True)
class CellRange:
    """A rectangle of a tab, 0-based, end exclusive (as the Sheets API's GridRange)."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int


@dataclass(frozen=True, slots=True)
class Band:
    """A conditional colour on a compliance column: value in [low, high) gets `colour`."""

    low: float
    high: float
    colour: str  # green | yellow | red | exceeded


@dataclass(frozen=True, slots=True)
class Protection:
    """A range only some people may edit (their e-mails), with a description shown in Sheets."""

    cells: CellRange
    editors: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class TabLayout:
    """A tab as `semaforo sheet init` lays it out: values, frozen panes and formatting."""

    title: str
    rows: tuple[tuple[Stored, ...], ...]
    frozen_rows: int = 0
    frozen_cols: int = 0
    fills: tuple[tuple[CellRange, Fill], ...] = ()
    number_cells: tuple[CellRange, ...] = ()
    """Cells whose data validation accepts only numbers >= 0 (a warning, not a block)."""
    bands: tuple[tuple[CellRange, tuple[Band, ...]], ...] = ()
    protections: tuple[Protection, ...] = ()
    column_widths: tuple[int, ...] = ()
    """Pixels per column from the first; 0 keeps the default."""
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    """Cell notes keyed by 0-based (row, column), like `CellRange`."""
    spare_rows: int = 0
    """Blank rows kept below the values for people to add entries (owners, office targets)."""


class Workbook(Protocol):
    """A capture workbook: read every tab in one go, or lay tabs out."""

    def read(self) -> WorkbookSnapshot:
        """Every tab's displayed cells; at most one metadata and one values request."""
        ...

    def write(self, tabs: list[TabLayout], *, remove: tuple[str, ...] = ()) -> int:
        """Create or overwrite these tabs (others are left alone, `remove` are deleted).

        Returns the number of API requests made.
        """
        ...

    def link_to(self, tab: TabSnapshot | str, row: int) -> str:
        """A link that opens the workbook at a tab's row (1-based), for reminders."""
        ...
