"""The Sheets API requests that lay a tab out: grid size, fills, validation, bands (pure)."""

from __future__ import annotations

import math
from typing import Any

from gspread.utils import rowcol_to_a1

from sheets_sync.workbook import CellRange, Fill, TabLayout, WorkbookError

JSON = dict[str, Any]


def _colour(hex_rgb: str) -> JSON:
    red, green, blue = (int(hex_rgb[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return {"red": round(red, 3), "green": round(green, 3), "blue": round(blue, 3)}


FILL_COLOURS = {
    Fill.HEADER: _colour("#d9e2f3"),
    Fill.CLOSED: _colour("#d9d9d9"),
    Fill.INPUT: _colour("#ffffff"),
    Fill.INFO: _colour("#f3f6fa"),
}
BAND_COLOURS = {
    "green": _colour("#b7e1cd"),
    "yellow": _colour("#fce8b2"),
    "red": _colour("#f4c7c3"),
    "exceeded": _colour("#c9daf8"),
}


def check_layouts(tabs: list[TabLayout]) -> None:
    """Refuse, before any request, layouts the API would reject halfway through a write."""
    titles = [tab.title for tab in tabs]
    for tab in tabs:
        if titles.count(tab.title) > 1:
            raise WorkbookError(f"La pestaña «{tab.title}» aparece dos veces en el diseño.")
        for _, bands in tab.bands:
            for band in bands:
                if band.colour not in BAND_COLOURS:
                    raise WorkbookError(
                        f"Color de semáforo desconocido «{band.colour}» en «{tab.title}»."
                    )
        for row in tab.rows:
            for value in row:
                if isinstance(value, float) and not math.isfinite(value):
                    raise WorkbookError(f"La pestaña «{tab.title}» tiene un número no finito.")


def grid_size(tab: TabLayout) -> JSON:
    """The rowCount and columnCount the tab needs for its values, panes and formatted ranges."""
    ranges = [
        *(cells for cells, _ in tab.fills),
        *tab.number_cells,
        *(cells for cells, _ in tab.bands),
        *(protection.cells for protection in tab.protections),
    ]
    # One more row and column than the frozen panes: the API refuses to freeze a whole grid.
    rows = max(
        [len(tab.rows) + tab.spare_rows, tab.frozen_rows + 1, *(r.end_row for r in ranges)]
        + [row + 1 for row, _ in tab.notes]
    )
    cols = max(
        [tab.frozen_cols + 1, len(tab.column_widths), *(r.end_col for r in ranges)]
        + [len(row) for row in tab.rows]
        + [col + 1 for _, col in tab.notes]
    )
    return {"rowCount": rows, "columnCount": cols}


def grid_range(sheet_id: int, cells: CellRange) -> JSON:
    """A `CellRange` as the API's GridRange."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": cells.start_row,
        "endRowIndex": cells.end_row,
        "startColumnIndex": cells.start_col,
        "endColumnIndex": cells.end_col,
    }


def update_properties(sheet_id: int, grid: JSON) -> JSON:
    """An updateSheetProperties request setting these grid properties only."""
    fields = ",".join(f"gridProperties.{name}" for name in grid)
    properties = {"sheetId": sheet_id, "gridProperties": grid}
    return {"updateSheetProperties": {"properties": properties, "fields": fields}}


def format_requests(tab: TabLayout, sheet_id: int, existing: JSON | None) -> list[JSON]:
    """The batchUpdate requests that format one tab, undoing the last layout's formatting first.

    Rules and protections are deleted and re-added (not diffed) so re-running `sheet init`
    leaves exactly one of each; validations and backgrounds are reset over the whole tab.
    """
    whole = {"sheetId": sheet_id}
    reset: list[JSON] = []
    if existing is not None:
        rules = existing.get("conditionalFormats", [])
        reset += [
            # From the last index down, since each deletion shifts the rules after it.
            {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": index}}
            for index in reversed(range(len(rules)))
        ]
        reset += [
            {"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}}
            for protected in existing.get("protectedRanges", [])
        ]
        reset += [
            {"setDataValidation": {"range": whole}},
            {
                "repeatCell": {
                    "range": whole,
                    "cell": {"userEnteredFormat": {}},
                    "fields": "userEnteredFormat.backgroundColor",
                }
            },
        ]
    frozen = {"frozenRowCount": tab.frozen_rows, "frozenColumnCount": tab.frozen_cols}
    return [
        *reset,
        update_properties(sheet_id, frozen),
        *(_fill(sheet_id, cells, fill) for cells, fill in tab.fills),
        *(_non_negative(sheet_id, cells) for cells in tab.number_cells),
        *(
            _band_rule(sheet_id, cells, band.low, band.high, band.colour, index)
            for index, (cells, band) in enumerate(
                (cells, band) for cells, bands in tab.bands for band in bands
            )
        ),
        *(_width(sheet_id, col, px) for col, px in enumerate(tab.column_widths) if px > 0),
        *(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": grid_range(sheet_id, protection.cells),
                        "description": protection.description,
                        "warningOnly": False,
                        "editors": {"users": list(protection.editors)},
                    }
                }
            }
            for protection in tab.protections
        ),
        *(_note(sheet_id, row, col, text) for (row, col), text in sorted(tab.notes.items())),
    ]


def _fill(sheet_id: int, cells: CellRange, fill: Fill) -> JSON:
    return {
        "repeatCell": {
            "range": grid_range(sheet_id, cells),
            "cell": {"userEnteredFormat": {"backgroundColor": FILL_COLOURS[fill]}},
            "fields": "userEnteredFormat.backgroundColor",
        }
    }


def _non_negative(sheet_id: int, cells: CellRange) -> JSON:
    # strict=False: a text such as "n/a" is flagged in the sheet but still captured, and the
    # parser reports it; blocking it would hide the mistake from the sync's error list.
    condition = {"type": "NUMBER_GREATER_THAN_EQ", "values": [{"userEnteredValue": "0"}]}
    rule = {
        "condition": condition,
        "inputMessage": "Escriba un número mayor o igual a 0",
        "strict": False,
    }
    return {"setDataValidation": {"range": grid_range(sheet_id, cells), "rule": rule}}


def _band_rule(
    sheet_id: int, cells: CellRange, low: float, high: float, colour: str, index: int
) -> JSON:
    # A custom formula, because bands are [low, high) and NUMBER_BETWEEN includes both ends.
    cell = rowcol_to_a1(cells.start_row + 1, cells.start_col + 1)
    tests = [f"ISNUMBER({cell})"]
    if math.isfinite(low):
        tests.append(f"{cell}>={_number(low)}")
    if math.isfinite(high):
        tests.append(f"{cell}<{_number(high)}")
    condition = {
        "type": "CUSTOM_FORMULA",
        "values": [{"userEnteredValue": f"=AND({','.join(tests)})"}],
    }
    rule = {
        "ranges": [grid_range(sheet_id, cells)],
        "booleanRule": {
            "condition": condition,
            "format": {"backgroundColor": BAND_COLOURS[colour]},
        },
    }
    return {"addConditionalFormatRule": {"rule": rule, "index": index}}


def _number(value: float) -> str:
    """A number as a formula literal: no exponent, no trailing '.0'."""
    text = repr(float(value))
    if "e" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text.removesuffix(".0")


def _width(sheet_id: int, col: int, pixels: int) -> JSON:
    span = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": col, "endIndex": col + 1}
    return {
        "updateDimensionProperties": {
            "range": span,
            "properties": {"pixelSize": pixels},
            "fields": "pixelSize",
        }
    }


def _note(sheet_id: int, row: int, col: int, text: str) -> JSON:
    start = {"sheetId": sheet_id, "rowIndex": row, "columnIndex": col}
    return {
        "updateCells": {"start": start, "rows": [{"values": [{"note": text}]}], "fields": "note"}
    }
