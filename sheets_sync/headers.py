"""Finding headers by their text, whatever the case, accents or spacing (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from semaforo.codes import fold
from sheets_sync.workbook import TabSnapshot

__all__ = ["fold", "header_columns"]


def header_columns(tab: TabSnapshot, wanted: Sequence[str]) -> tuple[int, dict[str, int]] | None:
    """The header row (0-based) and the column of each wanted header found in it."""
    keys = {fold(w): w for w in wanted}
    for r, row in enumerate(tab.rows[:6]):
        columns = {keys[fold(c)]: i for i, c in enumerate(row) if fold(c) in keys}
        if "Código" in columns:
            return r, columns
    return None
