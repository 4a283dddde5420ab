"""What `sheet init` keeps of a workbook people have used (pure): the values they typed, as
stored, and the columns they added, carried to the same indicator's (or person's) row wherever
the new layout puts it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sheets_sync import layout
from sheets_sync.headers import fold, header_columns
from sheets_sync.workbook import Stored, TabLayout, TabSnapshot

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AddedColumns:
    """Columns people added to a tab: their header texts and, per row key, their values."""

    headers: tuple[str, ...] = ()
    values: dict[Key, tuple[Stored, ...]] = dataclasses.field(default_factory=dict)
    """Folded key -> the added columns' values on that row."""
    keys: dict[Key, Key] = dataclasses.field(default_factory=dict)
    """Folded key -> the key as it was written, for a row the new layout no longer has."""


def typed_cells(tab: TabSnapshot) -> dict[tuple[str, str], tuple[Stored, ...]]:
    """What people typed in a capture tab, by (indicator, office), as stored in the cells."""
    located = header_columns(tab, layout.CAPTURE_HEADERS)
    if located is None:
        return {}
    header, cols = located
    typed: dict[tuple[str, str], tuple[Stored, ...]] = {}
    for r in range(header + 1, len(tab.rows)):
        code = _text(tab, r, cols.get("Código"))
        if code:
            key = (code, _text(tab, r, cols.get("Oficina")).upper())
            typed[key] = tuple(_value(tab, r, cols.get(h)) for h in layout.INPUT_HEADERS)
    return typed


def added_columns(tab: TabSnapshot, known: Sequence[str], keys: Sequence[str]) -> AddedColumns:
    """The columns of `tab` whose header is none of `known`, with their values by row key
    (the folded texts of the `keys` columns). Empty when the tab's header row is not found."""
    located = header_columns(tab, known)
    if located is None:
        return AddedColumns()
    header, cols = located
    head = tab.rows[header]
    known_folded = {fold(k) for k in known}
    width = max((len(row) for row in tab.rows), default=0)
    extra = [
        c for c in range(width)
        if (fold(head[c]) if c < len(head) else "") not in known_folded
        and any(_text(tab, r, c) for r in range(header, len(tab.rows)))
    ]  # fmt: skip
    if not extra or any(k not in cols for k in keys):
        return AddedColumns()
    values: dict[Key, tuple[Stored, ...]] = {}
    written: dict[Key, Key] = {}
    for r in range(header + 1, len(tab.rows)):
        original = tuple(_text(tab, r, cols[k]) for k in keys)
        key = tuple(fold(k) for k in original)
        row = tuple(_value(tab, r, c) for c in extra)
        if any(key) and any(v not in (None, "") for v in row) and key not in values:
            values[key], written[key] = row, original
    headers = tuple(head[c] if c < len(head) else "" for c in extra)
    return AddedColumns(headers, values, written)


def with_added_columns(
    tab: TabLayout, added: AddedColumns, keys: Sequence[int], header_row: int = 1
) -> TabLayout:
    """The layout with the added columns after its own, each value on its key's row."""
    if not added.headers:
        return tab
    width = max(len(row) for row in tab.rows)
    remaining = dict(added.values)
    rows: list[tuple[Stored, ...]] = []
    for r, row in enumerate(tab.rows):
        padded = tuple(row) + (None,) * (width - len(row))
        if r == header_row:
            rows.append(padded + added.headers)
        elif r > header_row:
            key = tuple(fold(str(row[k] or "")) if k < len(row) else "" for k in keys)
            extra = remaining.pop(key, (None,) * len(added.headers))
            rows.append(padded + extra)
        else:
            rows.append(tuple(row))
    # Values whose row the layout no longer has (a person removed from the owners, a code
    # no longer in the catalogue) stay too, below, rather than being dropped.
    for key, extra in remaining.items():
        line: list[Stored] = [None] * width
        for k, text in zip(keys, added.keys.get(key, key), strict=False):
            line[k] = text
        rows.append((*line, *extra))
    return dataclasses.replace(tab, rows=tuple(rows))


def _text(tab: TabSnapshot, row: int, col: int | None) -> str:
    if col is None or row >= len(tab.rows) or col >= len(tab.rows[row]):
        return ""
    return tab.rows[row][col].strip()


def _value(tab: TabSnapshot, row: int, col: int | None) -> Stored:
    return None if col is None else tab.stored(row, col)
