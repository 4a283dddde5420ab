"""The workbook people type into, built from the catalogue (pure; see docs/workbook.md).

Every tab starts with a marker cell (A1) that says what the tab is, so a renamed tab is still
found, and a header row (row 2) whose texts locate the columns, so moved columns are still read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scoring import MONTH_KEYS, Catalogue, Direction, Indicator, Kind, code_key
from sheets_sync.workbook import Band, CellRange, Fill, Formula, Protection, Stored, TabLayout

MARKER = "SEMÁFORO"
HEADER_ROW = 2  # 1-based; data starts on the next row
MONTH_NAMES = (
    "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
    "Octubre", "Noviembre", "Diciembre",
)  # fmt: skip

CAPTURE_HEADERS = (
    "Código", "Oficina", "Unidad", "Indicador", "Tipo", "Meta del mes", "Numerador",
    "Denominador", "Logrado", "Justificación", "Evidencia", "Cumplimiento %",
)  # fmt: skip
INPUT_HEADERS = ("Numerador", "Denominador", "Logrado", "Justificación", "Evidencia")
CATALOGUE_FIXED = (
    "Código", "Oficina", "Unidad", "Indicador", "Tipo", "Sentido", "Meta anual",
    "Ponderación anual", "Umbral amarillo", "Umbral verde", "Umbral excedido",
)  # fmt: skip
REASON_HEADER = "Motivo de la modificación"
"""Why the row's approved targets or weights changed (sheets_sync.target_edits)."""
REASON_NOTE = (
    "Al cambiar la meta o la ponderación de un mes ya aprobado (o dejarlo sin meta), escriba "
    "aquí por qué: sin motivo la fila no se aplica. La meta aprobada se conserva y el cambio "
    "queda en el historial. Poner meta a un mes que no tenía es aprobarla: no pide motivo."
)
CATALOGUE_HEADERS = (
    CATALOGUE_FIXED
    + tuple(f"{m.capitalize()} {part}" for m in MONTH_KEYS for part in ("meta", "pond."))
    + (REASON_HEADER,)
)
OWNER_HEADERS = ("Nombre", "Correo", "Telegram", "Rol", "Unidades")
NOT_DUE = "no programado"
KIND_WORDS = {Kind.RATIO: "cociente", Kind.COUNT: "cifra", Kind.SCORE: "calificación"}
DIRECTION_WORDS = {Direction.ASCENDING: "ascendente", Direction.DESCENDING: "descendente"}


def capture_title(year: int, month: int) -> str:
    """`Marzo 2019`: the default title of a month's capture tab."""
    return f"{MONTH_NAMES[month - 1]} {year}"


def capture_marker(programme: str, year: int, month: int) -> str:
    """What A1 of a month's capture tab says; the sync finds the tab by it."""
    return f"{MARKER} · CAPTURA · {programme} · {year}-{month:02d}"


def catalogue_marker(programme: str) -> str:
    """What A1 of the catalogue tab says."""
    return f"{MARKER} · CATÁLOGO · {programme}"


def owners_marker(programme: str) -> str:
    """What A1 of the owners tab says."""
    return f"{MARKER} · RESPONSABLES · {programme}"


@dataclass(frozen=True, slots=True)
class CaptureLine:
    """One row of a capture tab: an indicator, or an office indicator for one office."""

    indicator: Indicator
    office: str
    unit: str


def capture_lines(catalogue: Catalogue) -> list[CaptureLine]:
    """Rows in reading order: central indicators by code, then each office's 8 indicators."""
    central = sorted(
        (i for i in catalogue.indicators if not i.office_indicator), key=lambda i: code_key(i.code)
    )
    lines = [CaptureLine(i, "", i.unit) for i in central]
    office_indicators = [i for i in catalogue.indicators if i.office_indicator]
    for office in sorted(catalogue.offices(), key=lambda u: code_key(u.code)):
        lines.extend(CaptureLine(i, office.code, office.code) for i in office_indicators)
    return lines


Typed = Mapping[tuple[str, str], Sequence[Stored]]
"""Cells people already typed in a tab: (indicator, office) -> the INPUT_HEADERS values, as
stored (a number stays a number, text stays text)."""


def capture_tab(
    catalogue: Catalogue,
    month: int,
    *,
    title: str | None = None,
    typed: Typed | None = None,
    editors: Mapping[str, tuple[str, ...]] | None = None,
) -> TabLayout:
    """A month's capture tab; `typed` cells are written back so re-running init loses nothing.

    `editors` maps a unit code (area or office) to the e-mails that may edit its rows.
    """
    typed = typed or {}
    rows: list[tuple[Stored, ...]] = [
        (capture_marker(catalogue.programme, catalogue.year, month),),
        CAPTURE_HEADERS,
    ]
    closed: list[CellRange] = []
    open_rows: list[int] = []
    for line in capture_lines(catalogue):
        r = len(rows)  # 0-based index of this row
        plan = catalogue.plan_for(line.indicator, line.office).get(month)
        inputs = list(typed.get((line.indicator.code, line.office), ("",) * 5))
        inputs += [""] * (5 - len(inputs))
        target: str | float = plan.target if plan else NOT_DUE
        rows.append((
            line.indicator.code, line.office, line.unit, line.indicator.name,
            _kind_text(line.indicator), target, *inputs[:5],
            _compliance_formula(line.indicator, r + 1) if plan else "",
        ))  # fmt: skip
        if plan is None:
            closed.append(CellRange(r, r + 1, 6, 11))
        else:
            open_rows.append(r)
    last = len(rows)
    fills: list[tuple[CellRange, Fill]] = [
        (CellRange(0, 2, 0, len(CAPTURE_HEADERS)), Fill.HEADER),
        (CellRange(2, last, 0, 6), Fill.INFO),
        (CellRange(2, last, 6, 11), Fill.INPUT),
        *((c, Fill.CLOSED) for c in closed),
    ]
    thresholds = catalogue.thresholds
    bands = (
        Band(0.0, thresholds.yellow, "red"),
        Band(thresholds.yellow, thresholds.green, "yellow"),
        Band(thresholds.green, thresholds.exceeded, "green"),
        Band(thresholds.exceeded, 1e9, "exceeded"),
    )
    return TabLayout(
        title=title or capture_title(catalogue.year, month),
        rows=tuple(rows),
        frozen_rows=HEADER_ROW,
        frozen_cols=1,
        fills=tuple(fills),
        number_cells=(CellRange(2, last, 6, 9),),
        bands=((CellRange(2, last, 11, 12), bands),),
        protections=_protections(catalogue, editors or {}, rows),
        column_widths=(80, 60, 60, 380, 90, 90, 90, 90, 90, 260, 220, 110),
    )


def _kind_text(indicator: Indicator) -> str:
    text = KIND_WORDS[indicator.kind]
    return f"{text} (menor es mejor)" if indicator.direction is Direction.DESCENDING else text


def _compliance_formula(indicator: Indicator, row: int) -> str:
    """A live hint of compliance in the sheet; Semáforo's own score is what counts."""
    if indicator.kind is Kind.RATIO:
        achieved = f"G{row}/H{row}*100"
        ready = f"AND(ISNUMBER(G{row}),ISNUMBER(H{row}),H{row}>0)"
    else:
        achieved, ready = f"I{row}", f"ISNUMBER(I{row})"
    if indicator.direction is Direction.DESCENDING:
        return Formula(f'=IF({ready},IF({achieved}=0,999,F{row}/({achieved})*100),"")')
    return Formula(f'=IF({ready},({achieved})/F{row}*100,"")')


def _protections(
    catalogue: Catalogue,
    editors: Mapping[str, tuple[str, ...]],
    rows: Sequence[tuple[Stored, ...]],
) -> tuple[Protection, ...]:
    """One protected range per capture area (rows of its unit, input columns)."""
    spans: dict[str, list[int]] = {}
    for r, row in enumerate(rows[2:], start=2):
        spans.setdefault(str(row[2]), []).append(r)
    protections = []
    for unit, indices in spans.items():
        people = editors.get(unit, ())
        if people:
            cells = CellRange(min(indices), max(indices) + 1, 6, 11)
            protections.append(Protection(cells, people, f"Captura de {unit}"))
    return tuple(protections)


def catalogue_tab(
    catalogue: Catalogue,
    *,
    title: str = "Catálogo",
    reasons: Mapping[tuple[str, str], str] | None = None,
) -> TabLayout:
    """The planning area's tab: targets and weights in force, thresholds of every indicator,
    and each row's last reason of modification (`reasons`, by (indicator, office))."""
    reasons = reasons or {}
    rows: list[tuple[Stored, ...]] = [
        (catalogue_marker(catalogue.programme),),
        CATALOGUE_HEADERS,
    ]
    office_rows = [
        (i, office, months)
        for i in catalogue.indicators
        if i.office_indicator
        for office, months in (catalogue.office_months.get(i.code) or {"": {}}).items()
    ]
    for ind in sorted(
        (i for i in catalogue.indicators if not i.office_indicator), key=lambda i: code_key(i.code)
    ):
        rows.append((*_catalogue_row(ind, "", ind.months), reasons.get((ind.code, ""), "")))
    for ind, office, months in office_rows:
        rows.append((*_catalogue_row(ind, office, months), reasons.get((ind.code, office), "")))
    last = len(rows)
    return TabLayout(
        title=title,
        rows=tuple(rows),
        frozen_rows=HEADER_ROW,
        frozen_cols=2,
        fills=(
            (CellRange(0, 2, 0, len(CATALOGUE_HEADERS)), Fill.HEADER),
            (CellRange(2, last, 0, 4), Fill.INFO),
            (CellRange(2, last, 4, len(CATALOGUE_HEADERS)), Fill.INPUT),
        ),
        number_cells=(CellRange(2, last, 6, len(CATALOGUE_HEADERS) - 1),),
        column_widths=(80, 60, 60, 320, *(0,) * (len(CATALOGUE_HEADERS) - 5), 320),
        notes={(1, len(CATALOGUE_HEADERS) - 1): REASON_NOTE},
        spare_rows=300,
    )


def _catalogue_row(ind: Indicator, office: str, months: Mapping[int, object]) -> tuple[Stored, ...]:
    thr = ind.thresholds
    cells: list[Stored] = [
        ind.code, office, ind.unit, ind.name, KIND_WORDS[ind.kind], DIRECTION_WORDS[ind.direction],
        ind.annual_target, ind.annual_weight or None,
        thr.yellow if thr else None, thr.green if thr else None, thr.exceeded if thr else None,
    ]  # fmt: skip
    for month in range(1, 13):
        plan = months.get(month)
        target = getattr(plan, "target", None)
        weight = getattr(plan, "weight", None)
        cells.extend((target, weight))
    return tuple(cells)


@dataclass(frozen=True, slots=True)
class OwnerLine:
    """A person on the owners tab."""

    name: str
    email: str
    telegram: str
    role: str
    units: str


def owners_tab(
    programme: str, owners: Sequence[OwnerLine], *, title: str = "Responsables"
) -> TabLayout:
    """The owners tab: who answers for which units, and how to reach them."""
    rows: list[tuple[Stored, ...]] = [(owners_marker(programme),), OWNER_HEADERS]
    rows.extend((o.name, o.email, o.telegram, o.role, o.units) for o in owners)
    return TabLayout(
        title=title,
        rows=tuple(rows),
        frozen_rows=HEADER_ROW,
        fills=((CellRange(0, 2, 0, len(OWNER_HEADERS)), Fill.HEADER),),
        column_widths=(220, 220, 140, 90, 160),
        spare_rows=300,
    )
