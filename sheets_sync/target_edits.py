"""Changes of approved targets typed in the «Catálogo» tab (pure; the rule is semaforo.targets).

A row may set months that had no approved target (an approval) freely. A change of an approved
month's target or weight, or emptying it, is a modification: the row needs a reason in
«Motivo de la modificación», and not one already recorded for the row (left in the cell, it
would justify a change nobody explained). Otherwise the row is rejected whole, naming
the cell, and the targets in force stay. A month whose sheet still shows what `semaforo
catalogue modify` replaced is not an edit: the value in force stays, with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scoring import Catalogue, MonthPlan
from semaforo.targets import MonthEdit, TargetBook, TargetChange, month_edits, stale_sheet
from semaforo.values import plain
from sheets_sync import layout
from sheets_sync.cells import CellIssue, column_letter

ROW_LEFT = "; la fila no se leyó y siguen las metas vigentes"


@dataclass(frozen=True, slots=True)
class RowPlace:
    """Where a catalogue row is, to name its cells: tab, 1-based row, its cells, the month
    columns (month, target column, weight column) and the reason column."""

    tab: str
    number: int
    cells: tuple[str, ...]
    month_cols: list[tuple[int, int | None, int | None]]
    reason_col: int | None

    def text(self, col: int | None) -> str:
        return self.cells[col].strip() if col is not None and col < len(self.cells) else ""

    def address(self, col: int | None) -> str:
        return f"{column_letter(col or 0)}{self.number}"

    def columns(self, month: int) -> tuple[int | None, int | None]:
        return next((t, w) for m, t, w in self.month_cols if m == month)


@dataclass(slots=True)
class Review:
    """What may be applied of a row: its plan (stale months set back to the values in force),
    the cells to report, and whether the row is refused."""

    plan: dict[int, MonthPlan]
    issues: list[CellIssue] = field(default_factory=list)
    refused: bool = False


def review_row(
    key: tuple[str, str],
    plan: Mapping[int, MonthPlan],
    reason: str,
    *,
    catalogue: Catalogue,
    targets: TargetBook,
    place: RowPlace,
) -> Review:
    """Whether a row's months may be applied, by the rule above."""
    code, office = key
    review = Review(dict(plan))
    used = targets.with_reason(code, office, reason) if reason else None
    new_reason = bool(reason) and used is None
    modified: list[MonthEdit] = []
    for edit in month_edits(row_plan(catalogue, code, office), plan, targets.withdrawn(*key)):
        latest = targets.latest(code, office, edit.month)
        if edit.approved and not new_reason and latest is not None and stale_sheet(edit, latest):
            review.issues.append(_stale(place, edit, latest))
            if edit.before is None:
                review.plan.pop(edit.month, None)
            else:
                review.plan[edit.month] = edit.before
        elif edit.approved:
            modified.append(edit)
    if modified and not new_reason:
        review.issues.append(_refused(place, modified[0], reason, used))
        review.refused = True
    return review


def row_plan(catalogue: Catalogue, code: str, office: str) -> dict[int, MonthPlan]:
    """The months in force of exactly this row (an office's own row, not the shared one)."""
    indicator = catalogue.indicator(code)
    if indicator is not None and not indicator.office_indicator:
        return dict(indicator.months)
    return dict(catalogue.office_months.get(code, {}).get(office, {}))


def _refused(place: RowPlace, edit: MonthEdit, reason: str, used: TargetChange | None) -> CellIssue:
    month = _month(edit.month)
    if used is not None:  # a reason already recorded for this row, left in the cell
        return CellIssue(
            place.tab, place.address(place.reason_col), reason,
            f"es el motivo de una modificación anterior ({used.changed_at:%Y-%m-%d}) y "
            f"{month} cambia de nuevo: escriba el motivo de este cambio{ROW_LEFT}",
        )  # fmt: skip
    target_col, weight_col = place.columns(edit.month)
    before = edit.before.target if edit.before else None
    after = edit.after.target if edit.after else None
    col = target_col if before != after else weight_col
    where = (
        "en la columna «Motivo de la modificación»" if place.reason_col is not None
        else "en una columna «Motivo de la modificación» (la pestaña no la tiene: añádala)"
    )  # fmt: skip
    return CellIssue(
        place.tab, place.address(col), place.text(col),
        f"{month} tiene meta aprobada: pasar de {_plan(edit.before)} a {_plan(edit.after)} es "
        f"una modificación y necesita su motivo {where}{ROW_LEFT}",
    )  # fmt: skip


def _stale(place: RowPlace, edit: MonthEdit, latest: TargetChange) -> CellIssue:
    target_col, _ = place.columns(edit.month)
    return CellIssue(
        place.tab, place.address(target_col), place.text(target_col),
        f"la hoja aún muestra {_plan(edit.after)} en {_month(edit.month)}, pero lo vigente es "
        f"{_plan(edit.before)} (modificado con «semaforo catalogue modify» el "
        f"{latest.changed_at:%Y-%m-%d}: «{latest.reason}»); sigue lo vigente: «semaforo sheet "
        "init» pone la hoja al día, o escriba un motivo nuevo para cambiarlo aquí",
        "warning",
    )  # fmt: skip


def _month(month: int) -> str:
    return layout.MONTH_NAMES[month - 1].lower()


def _plan(plan: MonthPlan | None) -> str:
    if plan is None:
        return "sin meta"
    return f"meta {plain(plan.target)} con ponderación {plain(plan.weight)}"
