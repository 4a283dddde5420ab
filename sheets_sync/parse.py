"""From a workbook snapshot to captures, catalogue edits, owners and cell issues (pure).

Tabs are found by their A1 marker (then by title), columns by header text, rows by indicator
code and office, so inserted rows, moved columns and renamed tabs are read right or reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from scoring import Catalogue
from semaforo.captures_csv import CaptureRow
from sheets_sync import layout
from sheets_sync.catalogue_tab import CatalogueEdits, parse_catalogue_tab, parse_owners_tab
from sheets_sync.cells import CellIssue, RowCells, RowRejected, column_letter, read_figures
from sheets_sync.headers import fold, header_columns
from sheets_sync.workbook import TabSnapshot, WorkbookSnapshot

CaptureKey = tuple[str, str, int, int]
"""(indicator, office, year, month)."""

RowKey = tuple[int, str, str]
"""(month, indicator, office): a capture row of a month tab, office '' for a central row."""

_CAPTURE_MARKER = re.compile(
    r"^SEMÁFORO · CAPTURA · (?P<programme>\S+) · (?P<y>\d{4})-(?P<m>\d{2})$"
)


@dataclass(slots=True)
class ParsedWorkbook:
    """Everything a sync learned from the workbook, before touching the database."""

    captures: dict[CaptureKey, CaptureRow] = field(default_factory=dict)
    cleared: set[CaptureKey] = field(default_factory=set)
    issues: list[CellIssue] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    catalogue: CatalogueEdits | None = None
    owners: list[layout.OwnerLine] | None = None
    cells_read: int = 0
    month_tabs: dict[int, TabSnapshot] = field(default_factory=dict)
    rows: dict[RowKey, tuple[str, int]] = field(default_factory=dict)
    """Where each capture row was found, empty or not: (tab title, 1-based row)."""
    months_read: set[int] = field(default_factory=set)
    """Months whose capture tab was found and read (its columns were all there)."""

    @property
    def rejected(self) -> list[CellIssue]:
        """The cells whose rows were left as they were."""
        return [i for i in self.issues if i.severity == "error"]


def classify(snapshot: WorkbookSnapshot, catalogue: Catalogue) -> dict[str, TabSnapshot]:
    """Which tab is which: `catalogue`, `owners`, `month-MM`; by marker, else by title."""
    found: dict[str, TabSnapshot] = {}
    titles = {fold(layout.capture_title(catalogue.year, m)): f"month-{m:02d}" for m in range(1, 13)}
    titles |= {fold("Catálogo"): "catalogue", fold("Responsables"): "owners"}
    for tab in snapshot.tabs:
        marker = tab.rows[0][0].strip() if tab.rows and tab.rows[0] else ""
        kind = _kind_by_marker(marker, catalogue) or titles.get(fold(tab.title))
        if kind and kind not in found:
            found[kind] = tab
    return found


def _kind_by_marker(marker: str, catalogue: Catalogue) -> str | None:
    if match := _CAPTURE_MARKER.match(marker):
        same = match["programme"] == catalogue.programme and int(match["y"]) == catalogue.year
        return f"month-{match['m']}" if same else None
    if marker == layout.catalogue_marker(catalogue.programme):
        return "catalogue"
    if marker == layout.owners_marker(catalogue.programme):
        return "owners"
    return None


def parse_workbook(snapshot: WorkbookSnapshot, catalogue: Catalogue) -> ParsedWorkbook:
    """Read every tab the layout defines; never raises for what people typed."""
    result = ParsedWorkbook()
    result.cells_read = sum(1 for t in snapshot.tabs for row in t.rows for c in row if c.strip())
    tabs = classify(snapshot, catalogue)
    for month in range(1, 13):
        tab = tabs.get(f"month-{month:02d}")
        if tab is None:
            title = layout.capture_title(catalogue.year, month)
            result.problems.append(f"no se encontró la pestaña de captura de {title}")
            continue
        result.month_tabs[month] = tab
        _parse_capture_tab(tab, month, catalogue, result)
    if (tab := tabs.get("catalogue")) is not None:
        result.catalogue = parse_catalogue_tab(tab, catalogue, result.issues, result.problems)
    else:
        result.problems.append("no se encontró la pestaña «Catálogo»")
    if (tab := tabs.get("owners")) is not None:
        result.owners = parse_owners_tab(tab, catalogue, result.issues, result.problems)
    else:
        result.problems.append("no se encontró la pestaña «Responsables»")
    return result


def typed_cells(tab: TabSnapshot) -> dict[tuple[str, str], tuple[str, ...]]:
    """What people typed in a capture tab, by (indicator, office): for re-running init."""
    located = header_columns(tab, layout.CAPTURE_HEADERS)
    if located is None:
        return {}
    header, cols = located
    typed: dict[tuple[str, str], tuple[str, ...]] = {}
    for row in tab.rows[header + 1 :]:
        code = _cell(row, cols.get("Código")).strip()
        if code:
            key = (code, _cell(row, cols.get("Oficina")).strip().upper())
            typed[key] = tuple(_cell(row, cols.get(h)) for h in layout.INPUT_HEADERS)
    return typed


def _cell(row: Sequence[str], col: int | None) -> str:
    return row[col] if col is not None and col < len(row) else ""


def _parse_capture_tab(
    tab: TabSnapshot, month: int, catalogue: Catalogue, result: ParsedWorkbook
) -> None:
    located = header_columns(tab, layout.CAPTURE_HEADERS)
    missing = [h for h in ("Código", "Oficina", *layout.INPUT_HEADERS)
               if located is None or h not in located[1]]  # fmt: skip
    if located is None or missing:
        result.problems.append(
            f"pestaña «{tab.title}»: no se encontraron las columnas {', '.join(missing)}; "
            "no se leyó (nada se cambió)"
        )
        return
    header, cols = located
    result.months_read.add(month)
    seen: dict[tuple[str, str], int] = {}
    for r, row in enumerate(tab.rows[header + 1 :], start=header + 2):
        code = _cell(row, cols["Código"]).strip()
        if not code:
            continue
        office = _cell(row, cols["Oficina"]).strip().upper()
        address = f"{column_letter(cols['Código'])}{r}"
        indicator = catalogue.indicator(code)
        if indicator is None:
            result.issues.append(CellIssue(tab.title, address, code, "código desconocido; la fila "
                                           "no se leyó", "warning"))  # fmt: skip
            continue
        unit = office or indicator.unit
        if (code, office) in seen:
            result.issues.append(
                CellIssue(
                    tab.title,
                    address,
                    code,
                    f"fila repetida (ya está en la fila {seen[(code, office)]}); no se leyó",
                    "error",
                    unit,
                )
            )
            continue
        seen[(code, office)] = r
        if indicator.office_indicator and office not in {u.code for u in catalogue.offices()}:
            result.issues.append(
                CellIssue(
                    tab.title,
                    f"{column_letter(cols['Oficina'])}{r}",
                    office,
                    "oficina desconocida; la fila no se leyó",
                    "error",
                    unit,
                )
            )
            continue
        texts = {h: _cell(row, cols[h]) for h in layout.INPUT_HEADERS}
        key: CaptureKey = (
            code,
            office if indicator.office_indicator else "",
            catalogue.year,
            month,
        )
        result.rows.setdefault((month, code, key[1]), (tab.title, r))
        if not any(t.strip() for t in texts.values()):
            result.cleared.add(key)
            continue
        plan = catalogue.plan_for(indicator, key[1]).get(month)
        cells = RowCells(
            tab=tab.title, unit=unit,
            numerator=(f"{column_letter(cols['Numerador'])}{r}", texts["Numerador"]),
            denominator=(f"{column_letter(cols['Denominador'])}{r}", texts["Denominador"]),
            value=(f"{column_letter(cols['Logrado'])}{r}", texts["Logrado"]),
            programmed=plan.target if plan else None,
        )  # fmt: skip
        if not any(t.strip() for t in (texts["Numerador"], texts["Denominador"], texts["Logrado"])):
            result.issues.append(CellIssue(tab.title, cells.value[0], "", "hay justificación o "
                                           "evidencia pero ninguna cifra; la fila no se leyó",
                                           "error", unit))  # fmt: skip
            continue
        try:
            figures, warnings = read_figures(indicator, cells)
        except RowRejected as rejected:
            result.issues.append(rejected.issue)
            continue
        result.issues.extend(warnings)
        result.captures[key] = CaptureRow(
            indicator=code, office=key[1], year=catalogue.year, month=month,
            numerator=figures.numerator, denominator=figures.denominator, value=figures.value,
            justification=texts["Justificación"].strip(), evidence=texts["Evidencia"].strip(),
        )  # fmt: skip
