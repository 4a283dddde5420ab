"""The planning area's tabs: «Catálogo» (targets, weights, thresholds) and «Responsables» (pure)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from scoring import MONTH_KEYS, Catalogue, Kind, MonthPlan, Thresholds
from semaforo.people.access import EMAIL, TELEGRAM_USERNAME
from semaforo.targets import TargetBook
from semaforo.values import Number, parse_number
from sheets_sync import layout
from sheets_sync.cells import CellIssue, column_letter
from sheets_sync.headers import fold, header_columns
from sheets_sync.target_edits import RowPlace, review_row
from sheets_sync.workbook import TabSnapshot

ROLES = {
    "captura": "capture", "capture": "capture", "director": "director", "directora": "director",
    "planeacion": "planning", "planeación": "planning", "planning": "planning",
}  # fmt: skip
_KINDS = {word: kind for kind, word in layout.KIND_WORDS.items()}


@dataclass(slots=True)
class CatalogueEdits:
    """What the catalogue tab says, row by valid row."""

    plans: dict[tuple[str, str], dict[int, MonthPlan]] = field(default_factory=dict)
    """(indicator, office '' for all) -> its due months; only rows whose cells all read."""
    thresholds: dict[str, Thresholds | None] = field(default_factory=dict)
    kinds: dict[str, Kind] = field(default_factory=dict)
    """Office indicators' kind, which the source document does not give."""
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)
    """(indicator, office) -> the row's «Motivo de la modificación», for its modified months."""

    def forget(self, key: tuple[str, str]) -> None:
        """Leave a row as it was (repeated, or a modification refused)."""
        code, office = key
        self.plans.pop(key, None)
        self.reasons.pop(key, None)
        if not office:
            self.thresholds.pop(code, None)
            self.kinds.pop(code, None)

    def applied_to(self, catalogue: Catalogue) -> Catalogue:
        """The catalogue as these edits leave it, so the capture tabs of the same sync are read
        against the targets, months and kinds the planning area has just set."""
        office_months = {code: dict(per) for code, per in catalogue.office_months.items()}
        central: dict[str, dict[int, MonthPlan]] = {}
        for (code, office), plan in self.plans.items():
            indicator = catalogue.indicator(code)
            if indicator is not None and indicator.office_indicator:
                office_months.setdefault(code, {})[office] = dict(plan)
            elif not office:
                central[code] = dict(plan)
        indicators = tuple(
            dataclasses.replace(
                i,
                months=central.get(i.code, i.months),
                kind=self.kinds.get(i.code, i.kind) if i.office_indicator else i.kind,
                thresholds=self.thresholds.get(i.code, i.thresholds),
            )
            for i in catalogue.indicators
        )
        return dataclasses.replace(catalogue, indicators=indicators, office_months=office_months)


def parse_catalogue_tab(
    tab: TabSnapshot,
    catalogue: Catalogue,
    issues: list[CellIssue],
    problems: list[str],
    targets: TargetBook | None = None,
) -> CatalogueEdits | None:
    """Targets, weights and thresholds as the planning area left them; a row that changes an
    approved month without a (new) reason is rejected whole (`targets`: the modifications so
    far, for the approved months no longer due and the reasons already used)."""
    located = header_columns(tab, layout.CATALOGUE_HEADERS)
    if located is None:
        problems.append(f"pestaña «{tab.title}»: no se encontró el encabezado «Código»; no se leyó")
        return None
    header, cols = located
    month_cols = [
        (m, cols.get(f"{key.capitalize()} meta"), cols.get(f"{key.capitalize()} pond."))
        for m, key in enumerate(MONTH_KEYS, start=1)
    ]
    if any(t is None or w is None for _, t, w in month_cols):
        problems.append(f"pestaña «{tab.title}»: faltan columnas de meta o ponderación; no se leyó")
        return None
    edits = CatalogueEdits()
    read: dict[tuple[str, str], _Row] = {}
    offices = {u.code for u in catalogue.offices()}
    first: dict[tuple[str, str], int] = {}
    repeated: set[tuple[str, str]] = set()
    for r, cells in enumerate(tab.rows[header + 1 :], start=header + 2):
        row = _Row(tab.title, r, cells, issues)
        code = row.text(cols["Código"])
        indicator = catalogue.indicator(code) if code else None
        if indicator is None:
            if code:
                issues.append(CellIssue(tab.title, f"A{r}", code, "código desconocido", "warning"))
            continue
        office = row.text(cols.get("Oficina")).upper()
        if office and (not indicator.office_indicator or office not in offices):
            row.reject(cols.get("Oficina"), office, "oficina no válida para este indicador")
            continue
        if (code, office) in first:
            repeated.add((code, office))
            row.reject(
                cols["Código"], code,
                f"fila repetida (también en la fila {first[(code, office)]}); ninguna de las dos "
                "se aplicó, siguen las metas anteriores: deje una sola",
            )  # fmt: skip
            continue
        first[(code, office)] = r
        try:
            plan = {m: plan for m, tc, wc in month_cols if (plan := row.month(tc, wc)) is not None}
            thresholds = row.thresholds(cols)
        except _BadCell:
            continue
        edits.plans[(code, office)] = plan
        edits.reasons[(code, office)] = row.text(cols.get(layout.REASON_HEADER))
        read[(code, office)] = row
        edits.thresholds[code] = thresholds
        kind = _KINDS.get(row.text(cols.get("Tipo")).lower())
        if indicator.office_indicator and kind is not None:
            edits.kinds[code] = kind
    for key in repeated:
        edits.forget(key)
    for key, row in read.items():
        if key not in edits.plans:
            continue
        review = review_row(
            key, edits.plans[key], edits.reasons[key], catalogue=catalogue,
            targets=targets or TargetBook(),
            place=RowPlace(tab.title, row.number, row.cells, month_cols,
                           cols.get(layout.REASON_HEADER)),
        )  # fmt: skip
        issues.extend(review.issues)
        if review.refused:
            edits.forget(key)
        else:
            edits.plans[key] = review.plan
    return edits


class _BadCell(Exception):
    """A cell of the row could not be read; the row is left as it was."""


@dataclass(frozen=True, slots=True)
class _Row:
    tab: str
    number: int
    cells: tuple[str, ...]
    issues: list[CellIssue]

    def text(self, col: int | None) -> str:
        return self.cells[col].strip() if col is not None and col < len(self.cells) else ""

    def reject(self, col: int | None, value: str, reason: str) -> _BadCell:
        address = f"{column_letter(col or 0)}{self.number}"
        self.issues.append(CellIssue(self.tab, address, value, f"{reason}; la fila no se leyó"))
        return _BadCell()

    def figure(self, col: int | None, *, positive: bool = False) -> float | None:
        text = self.text(col)
        parsed = parse_number(text)
        if parsed is None:
            return None
        if not isinstance(parsed, Number):
            raise self.reject(col, text, parsed.reason)
        if parsed.value < 0 or (positive and parsed.value == 0):
            raise self.reject(col, text, "debe ser mayor que 0" if positive else "es negativo")
        return parsed.value

    def month(self, target_col: int | None, weight_col: int | None) -> MonthPlan | None:
        target = self.figure(target_col, positive=True)
        weight = self.figure(weight_col)
        if target is None and weight is None:
            return None
        if target is None or weight is None:
            missing = "la meta" if target is None else "la ponderación"
            raise self.reject(target_col if target is None else weight_col, "", f"falta {missing}")
        return MonthPlan(target=target, weight=weight)

    def thresholds(self, cols: dict[str, int]) -> Thresholds | None:
        heads = ("Umbral amarillo", "Umbral verde", "Umbral excedido")
        values = [self.figure(cols.get(h)) for h in heads]
        if all(v is None for v in values):
            return None
        yellow, green, exceeded = values
        if yellow is None or green is None or exceeded is None:
            raise self.reject(cols.get(heads[0]), "", "umbrales incompletos: escriba los tres")
        try:
            return Thresholds(yellow, green, exceeded)
        except ValueError:
            raise self.reject(
                cols.get(heads[0]),
                f"{yellow:g}/{green:g}/{exceeded:g}",
                "umbrales fuera de orden (amarillo ≤ verde ≤ excedido)",
            ) from None


def parse_owners_tab(
    tab: TabSnapshot, catalogue: Catalogue, issues: list[CellIssue], problems: list[str]
) -> list[layout.OwnerLine] | None:
    """The people on the owners tab; a row with a bad cell is left out and reported."""
    keys = {fold(h): h for h in layout.OWNER_HEADERS}
    located: tuple[int, dict[str, int]] | None = None
    for r, cells in enumerate(tab.rows[:6]):
        found = {keys[fold(c)]: i for i, c in enumerate(cells) if fold(c) in keys}
        if "Nombre" in found:
            located = (r, found)
            break
    if located is None:
        problems.append(f"pestaña «{tab.title}»: no se encontró el encabezado «Nombre»; no se leyó")
        return None
    header, cols = located
    units = {u.code for u in catalogue.units}
    owners: list[layout.OwnerLine] = []
    accounts: dict[str, int] = {}  # one Telegram account is one person: the row that has it
    for r, cells in enumerate(tab.rows[header + 1 :], start=header + 2):
        row = _Row(tab.title, r, cells, issues)
        values = {h: row.text(cols.get(h)) for h in layout.OWNER_HEADERS}
        if not values["Nombre"]:
            continue
        problem = _owner_problem(values, units)
        account = values["Telegram"].lower()
        if problem is None and account in accounts:
            problem = (
                "Telegram",
                f"esa cuenta ya está en la fila {accounts[account]}: es una persona",
            )
        if problem:
            row.reject(cols.get(problem[0]), values[problem[0]], problem[1])
            continue
        if account:
            accounts[account] = r
        owners.append(layout.OwnerLine(
            values["Nombre"], values["Correo"], values["Telegram"],
            ROLES[fold(values["Rol"])], values["Unidades"],
        ))  # fmt: skip
    return owners


def _owner_problem(values: dict[str, str], units: set[str]) -> tuple[str, str] | None:
    if values["Correo"] and not EMAIL.match(values["Correo"]):
        return "Correo", "correo no válido"
    if values["Telegram"] and not _telegram_ok(values["Telegram"]):
        return "Telegram", "Telegram: escriba el id numérico o el @usuario"
    role = ROLES.get(fold(values["Rol"]))
    if role is None:
        return "Rol", "rol no válido: captura, director o planeación"
    listed = split_units(values["Unidades"])
    unknown = [u for u in listed if u not in units]
    if unknown:
        return "Unidades", f"unidades desconocidas: {', '.join(unknown)}"
    if not listed and role != "planning":
        return "Unidades", "faltan las unidades"
    return None


def _telegram_ok(text: str) -> bool:
    """A numeric Telegram id, or an @username."""
    return text.isdigit() or (text.startswith("@") and bool(TELEGRAM_USERNAME.match(text)))


def split_units(text: str) -> list[str]:
    """`2.3, 2.4;OR-09` -> ['2.3', '2.4', 'OR-09']."""
    return [u.strip().rstrip(".").upper() for u in re.split(r"[,;\s]+", text) if u.strip()]
