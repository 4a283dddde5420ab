"""`semaforo catalogue check`: structural errors, and the source's irregularities as findings."""

from __future__ import annotations

from collections import Counter, defaultdict

from scoring import MONTH_KEYS, Catalogue, Indicator, UnitKind
from semaforo.catalogue.files import Finding, IndicatorText, ProgrammeFile, TotalRow
from semaforo.formatting import words as locale_words

WEIGHT_TOLERANCE = 0.05
"""Weights are printed with one decimal; sums within this of each other are taken as equal."""

_MONTHS: tuple[str, ...] = locale_words("es")["months"]


def check(programme: ProgrammeFile) -> list[Finding]:
    """Every finding about a programme's catalogue, errors first."""
    catalogue = programme.catalogue
    findings = [
        *_unique_codes(catalogue),
        *_tree(catalogue),
        *_months(catalogue),
        *_counts(programme),
        *_weights(programme),
        *_readings(programme),
    ]
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _unique_codes(catalogue: Catalogue) -> list[Finding]:
    counts = Counter([u.code for u in catalogue.units] + [i.code for i in catalogue.indicators])
    return [
        Finding("error", code, f"el código {code} aparece {n} veces")
        for code, n in counts.items()
        if n > 1
    ]


def _tree(catalogue: Catalogue) -> list[Finding]:
    findings: list[Finding] = []
    unit_codes = {u.code for u in catalogue.units}
    parents = {u.parent for u in catalogue.units}
    owners = {i.unit for i in catalogue.indicators if not i.office_indicator}
    for unit in catalogue.units:
        if unit.parent is not None and unit.parent not in unit_codes:
            findings.append(Finding("error", unit.code, f"la unidad padre {unit.parent} no existe"))
        if unit.code in parents and unit.code in owners:
            findings.append(
                Finding("error", unit.code, "la unidad tiene indicadores y también subunidades")
            )
        if unit.kind is UnitKind.AREA and unit.code not in owners:
            findings.append(Finding("warning", unit.code, "el área no tiene indicadores"))
    for indicator in catalogue.indicators:
        if indicator.unit not in unit_codes:
            findings.append(
                Finding("error", indicator.code, f"la unidad {indicator.unit} no existe")
            )
    return findings


def _months(catalogue: Catalogue) -> list[Finding]:
    findings: list[Finding] = []
    for indicator in catalogue.indicators:
        if indicator.office_indicator:
            continue
        if not indicator.months:
            findings.append(Finding("error", indicator.code, "no tiene ningún mes programado"))
        for month, plan in indicator.months.items():
            key = MONTH_KEYS[month - 1]
            if plan.target <= 0:
                findings.append(
                    Finding("error", indicator.code, f"{key}: meta programada {plan.target} ≤ 0")
                )
            if plan.weight < 0:
                findings.append(
                    Finding("error", indicator.code, f"{key}: ponderación {plan.weight} < 0")
                )
    return findings


def _counts(programme: ProgrammeFile) -> list[Finding]:
    findings: list[Finding] = []
    indicators = programme.catalogue.indicators
    central = sum(1 for i in indicators if not i.office_indicator)
    office = len(indicators) - central
    for label, expected, actual in (
        ("indicadores centrales", programme.expected_indicators, central),
        ("indicadores de Oficinas de Representación", programme.expected_office_indicators, office),
    ):
        if expected is not None and expected != actual:
            findings.append(
                Finding("error", programme.id, f"{actual} {label}; el documento dice {expected}")
            )
    return findings


def _weights(programme: ProgrammeFile) -> list[Finding]:
    """Each area's weights per month and per year against its TOTAL row, or against 100 where
    the programme records none."""
    by_unit: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in programme.catalogue.indicators:
        if not indicator.office_indicator:
            by_unit[indicator.unit].append(indicator)
    findings = [
        Finding("error", unit, f"fila TOTAL (línea {row.line}) de un área sin indicadores")
        for unit, row in sorted(programme.totals.items())
        if unit not in by_unit
    ]
    for unit, indicators in sorted(by_unit.items(), key=lambda item: _code_key(item[0])):
        row = programme.totals.get(unit)
        if row is not None:
            findings.extend(_against_total_row(unit, indicators, row, programme.texts))
            continue
        if programme.totals:
            findings.append(Finding("warning", unit, "no se registró la fila TOTAL del área"))
        findings.extend(_against_hundred(unit, indicators))
    return findings


def _against_hundred(unit: str, indicators: list[Indicator]) -> list[Finding]:
    findings = [
        Finding("warning", unit, f"{_MONTHS[month - 1]}: {_sum_text(due)}, no 100.0%; "
                "se normalizan al calificar")
        for month in range(1, 13)
        if (due := _due(indicators, month)) and not _near(sum(due.values()), 100.0)
    ]  # fmt: skip
    annual = sum(i.annual_weight for i in indicators)
    if not _near(annual, 100.0):
        findings.append(
            Finding(
                "warning", unit, f"Total: las ponderaciones anuales suman {annual:.1f}%, no 100.0%"
            )
        )
    return findings


def _against_total_row(
    unit: str, indicators: list[Indicator], row: TotalRow, texts: dict[str, IndicatorText]
) -> list[Finding]:
    """Every month, and the Total, in which the catalogue and the area's TOTAL row disagree,
    plus every disagreement the catalogue documents that no longer happens."""
    source = f"la fila TOTAL (línea {row.line})"
    found: dict[int | None, str] = {}
    for month in range(1, 13):
        if words := _month_disagreement(_due(indicators, month), row.months.get(month), source):
            found[month] = words
    annual = sum(i.annual_weight for i in indicators)
    if row.total is not None and not _near(annual, row.total):
        found[None] = (
            f"las ponderaciones anuales suman {annual:.1f}%; {source} imprime {row.total:.1f}%"
        )
    elif row.total is None and not _near(annual, 100.0):
        found[None] = f"las ponderaciones anuales suman {annual:.1f}%, no 100.0%"
    return [
        Finding("warning", unit, f"{'Total' if key is None else _MONTHS[key - 1]}: "
                f"{_noted(found.get(key), row.documented.get(key), source, texts)}")
        for key in sorted(found.keys() | row.documented.keys(), key=lambda k: k or 13)
    ]  # fmt: skip


def _noted(
    words: str | None, documented: str | None, source: str, texts: dict[str, IndicatorText]
) -> str:
    """A disagreement with the reading that documents it; or a documented one that is gone."""
    if words is None:
        return f"{source} se anota como discrepante ({documented}) pero coincide con el catálogo"
    if documented is None:
        return words
    if texts.get(documented, IndicatorText()).ambiguous:
        return f"{words} (discrepancia documentada en la lectura ambigua de {documented})"
    return f"{words} (se anota como documentada en {documented}, que no tiene lectura ambigua)"


def _month_disagreement(due: dict[str, float], printed: float | None, source: str) -> str:
    """What the catalogue's weights due in a month and the printed sum disagree on, if anything;
    a month whose weights do not reach 100 is scored normalised (DOMAIN rule 3) and says so."""
    weights = sum(due.values())
    if not due:
        return (
            ""
            if printed is None
            else f"{source} imprime {printed:.1f}% y el catálogo no programa ningún indicador"
        )
    if printed is None:
        words = f"el catálogo programa {_sum_text(due)}; {source} deja el mes vacío"
    elif not _near(weights, printed):
        words = f"el catálogo programa {_sum_text(due)}; {source} imprime {printed:.1f}%"
    elif _near(weights, 100.0):
        return ""
    else:
        words = f"el catálogo programa {_sum_text(due)}, como {source}"
    return words if _near(weights, 100.0) else f"{words}; se normalizan al calificar"


def _due(indicators: list[Indicator], month: int) -> dict[str, float]:
    return {i.code: i.months[month].weight for i in indicators if month in i.months}


def _sum_text(due: dict[str, float]) -> str:
    """`75.0% (6.2.1: 25.0, 6.2.4: 50.0)`: the month's weights and whose they are."""
    parts = ", ".join(f"{code}: {weight:.1f}" for code, weight in due.items())
    return f"ponderaciones que suman {sum(due.values()):.1f}% ({parts})"


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= WEIGHT_TOLERANCE


def _code_key(code: str) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{int(p):09d}") if p.isdigit() else (1, p) for p in code.split("."))


def _readings(programme: ProgrammeFile) -> list[Finding]:
    """The readings the catalogue marks ambiguous, one finding each, with both readings."""
    return [
        Finding("info", code, f"lectura ambigua, {words}")
        for code, text in sorted(programme.texts.items(), key=lambda item: _code_key(item[0]))
        for words in text.ambiguities
    ]


def has_errors(findings: list[Finding]) -> bool:
    """Whether any finding stops a load."""
    return any(f.severity == "error" for f in findings)


SEVERITY_WORDS = {"error": "error", "warning": "advertencia", "info": "lectura"}
"""How `catalogue check` names each severity to a person."""


def check_text(programme_id: str, findings: list[Finding]) -> str:
    """What `catalogue check` prints, in Spanish: one line per finding, then the counts."""
    lines = [f"{SEVERITY_WORDS[f.severity]:11} {f.code:8} {f.message}" for f in findings]
    count = Counter(f.severity for f in findings)
    lines.append(
        f"{programme_id}: {count['error']} errores, {count['warning']} advertencias, "
        f"{count['info']} lecturas ambiguas"
    )
    return "\n".join(lines)
