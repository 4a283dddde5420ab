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
from semaforo.targets import TargetBook
from sheets_sync import layout
from sheets_sync.catalogue_tab import CatalogueEdits, parse_catalogue_tab, parse_owners_tab
from sheets_sync.cells import CellIssue, RowCells, RowRejected, column_letter, read_figures
from sheets_sync.headers import fold, header_columns
from sheets_sync.workbook import Formula, TabSnapshot, WorkbookSnapshot

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


@dataclass(frozen=True, slots=True)
class TabClaims:
    """Which tab is which (`catalogue`, `owners`, `month-MM`), and what no tab owns alone."""

    tabs: dict[str, TabSnapshot]
    """Each kind's one owner: the only tab that claims it, and claims nothing else."""
    conflicts: dict[str, str]
    """Kind -> why it is read from no tab (Spanish, naming every tab involved)."""


def claim_tabs(snapshot: WorkbookSnapshot, catalogue: Catalogue) -> TabClaims:
    """Which tab owns each kind. A tab claims a kind by its A1 marker and by its title; a kind
    is owned only by a tab that is its sole claimant and claims nothing else, so a marker typed
    into another month's tab or a duplicated tab is reported and neither month is read."""
    titles = {fold(layout.capture_title(catalogue.year, m)): f"month-{m:02d}" for m in range(1, 13)}
    titles |= {fold("Catálogo"): "catalogue", fold("Responsables"): "owners"}
    claimants: dict[str, list[TabSnapshot]] = {}
    claims: dict[str, set[str]] = {}
    for tab in snapshot.tabs:
        marker = tab.rows[0][0].strip() if tab.rows and tab.rows[0] else ""
        kinds = {k for k in (_kind_by_marker(marker, catalogue), titles.get(fold(tab.title))) if k}
        claims[tab.title] = kinds
        for kind in sorted(kinds):
            claimants.setdefault(kind, []).append(tab)
    owned: dict[str, TabSnapshot] = {}
    conflicts: dict[str, str] = {}
    for kind, tabs in claimants.items():
        if len(tabs) > 1:
            names = " y ".join(f"«{t.title}»" for t in tabs)
            conflicts[kind] = f"{_kind_words(kind, catalogue)} lo reclaman las pestañas {names}"
        elif len(claims[tabs[0].title]) > 1:
            other = sorted(claims[tabs[0].title] - {kind})
            conflicts[kind] = (
                f"la pestaña «{tabs[0].title}» es a la vez {_kind_words(kind, catalogue)} (por "
                f"su título o su marcador en A1) y {_kind_words(other[0], catalogue)}"
            )
        else:
            owned[kind] = tabs[0]
    return TabClaims(owned, conflicts)


def _kind_words(kind: str, catalogue: Catalogue) -> str:
    if kind.startswith("month-"):
        return f"la captura de {layout.capture_title(catalogue.year, int(kind[6:])).lower()}"
    return "el catálogo" if kind == "catalogue" else "los responsables"


def _kind_by_marker(marker: str, catalogue: Catalogue) -> str | None:
    if match := _CAPTURE_MARKER.match(marker):
        same = match["programme"] == catalogue.programme and int(match["y"]) == catalogue.year
        return f"month-{match['m']}" if same else None
    if marker == layout.catalogue_marker(catalogue.programme):
        return "catalogue"
    if marker == layout.owners_marker(catalogue.programme):
        return "owners"
    return None


def parse_workbook(
    snapshot: WorkbookSnapshot, catalogue: Catalogue, targets: TargetBook | None = None
) -> ParsedWorkbook:
    """Read every tab the layout defines; never raises for what people typed. `targets`: the
    modifications of approved targets so far, which the «Catálogo» tab's rule needs."""
    result = ParsedWorkbook()
    result.cells_read = sum(1 for t in snapshot.tabs for row in t.rows for c in row if c.strip())
    claimed = claim_tabs(snapshot, catalogue)
    tabs = claimed.tabs
    for why in claimed.conflicts.values():
        result.problems.append(f"{why}; no se leyó y nada de eso cambió")
    if (tab := tabs.get("catalogue")) is not None:
        result.catalogue = parse_catalogue_tab(
            tab, catalogue, result.issues, result.problems, targets
        )
    elif "catalogue" not in claimed.conflicts:
        result.problems.append("no se encontró la pestaña «Catálogo»")
    # Captures are read against the catalogue as this same sync leaves it.
    effective = result.catalogue.applied_to(catalogue) if result.catalogue else catalogue
    for month in range(1, 13):
        tab = tabs.get(f"month-{month:02d}")
        if tab is None:
            if f"month-{month:02d}" not in claimed.conflicts:
                title = layout.capture_title(catalogue.year, month)
                result.problems.append(f"no se encontró la pestaña de captura de {title}")
            continue
        result.month_tabs[month] = tab
        _parse_capture_tab(tab, month, effective, result)
    if (tab := tabs.get("owners")) is not None:
        result.owners = parse_owners_tab(tab, catalogue, result.issues, result.problems)
    elif "owners" not in claimed.conflicts:
        result.problems.append("no se encontró la pestaña «Responsables»")
    return result


def repeated_headers(header: Sequence[str], wanted: Sequence[str]) -> str:
    """What a header row repeats among the wanted columns (`la columna «Numerador» está
    repetida (G y L)`), or "" when each is there at most once: a copied column is never read
    silently, whichever copy a person meant."""
    keys = {fold(w): w for w in wanted}
    where: dict[str, list[int]] = {}
    for i, text in enumerate(header):
        if (name := keys.get(fold(text))) is not None:
            where.setdefault(name, []).append(i)
    return "; ".join(
        f"la columna «{name}» está repetida ({' y '.join(column_letter(c) for c in cols)})"
        for name, cols in where.items()
        if len(cols) > 1
    )


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
    if repeated := repeated_headers(tab.rows[header], ("Código", "Oficina", *layout.INPUT_HEADERS)):
        result.problems.append(
            f"pestaña «{tab.title}»: {repeated}; no se leyó (nada se cambió): deje una sola"
        )
        return
    result.months_read.add(month)
    seen: dict[tuple[str, str], int] = {}
    for r, row in enumerate(tab.rows[header + 1 :], start=header + 2):
        code = _cell(row, cols["Código"]).strip()
        if not code:
            if typed := next(
                (h for h in layout.INPUT_HEADERS if _cell(row, cols[h]).strip()), None
            ):
                result.issues.append(CellIssue(
                    tab.title, f"{column_letter(cols[typed])}{r}", _cell(row, cols[typed]),
                    "fila con valores pero sin código; no se leyó: escriba el código del "
                    "indicador en la columna Código",
                ))  # fmt: skip
            continue
        office = _cell(row, cols["Oficina"]).strip().upper()
        address = f"{column_letter(cols['Código'])}{r}"
        indicator = catalogue.indicator(code)
        if indicator is None:
            result.issues.append(CellIssue(tab.title, address, code, "código desconocido; la fila "
                                           "no se leyó", "warning"))  # fmt: skip
            continue
        if office and not indicator.office_indicator:
            result.issues.append(CellIssue(
                tab.title, f"{column_letter(cols['Oficina'])}{r}", office,
                f"{code} es un indicador central: su fila lleva la columna Oficina vacía (¿una "
                "fila copiada?); la fila no se leyó", "error", indicator.unit,
            ))  # fmt: skip
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
        blank = [
            h for h in layout.INPUT_HEADERS
            if not texts[h].strip() and isinstance(tab.stored(r - 1, cols[h]), Formula)
        ]  # fmt: skip
        if blank:
            formula = str(tab.stored(r - 1, cols[blank[0]]))
            result.issues.append(CellIssue(
                tab.title, f"{column_letter(cols[blank[0]])}{r}", formula,
                "la fórmula no da ningún valor (¿una celda de la que depende está vacía?); la "
                "fila no se leyó y sigue el último valor bueno", "error", unit,
            ))  # fmt: skip
            continue
        if not any(t.strip() for t in texts.values()):
            result.cleared.add(key)
            continue
        plan = catalogue.plan_for(indicator, key[1]).get(month)
        if plan is None:
            typed = next(h for h in layout.INPUT_HEADERS if texts[h].strip())
            result.issues.append(CellIssue(
                tab.title, f"{column_letter(cols[typed])}{r}", texts[typed],
                f"{code} no está programado en {layout.capture_title(catalogue.year, month)}: "
                "este mes no se captura; la fila no se leyó", "error", unit,
            ))  # fmt: skip
            continue
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
