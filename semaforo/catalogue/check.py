"""`semaforo catalogue check`: structural errors, and the source's irregularities as findings."""

from __future__ import annotations

from collections import Counter, defaultdict

from scoring import MONTH_KEYS, Catalogue, Indicator, UnitKind
from semaforo.catalogue.files import Finding, ProgrammeFile

WEIGHT_TOLERANCE = 0.05
"""Weights are printed with one decimal; sums within this of 100 are taken as 100."""


def check(programme: ProgrammeFile) -> list[Finding]:
    """Every finding about a programme's catalogue, errors first."""
    catalogue = programme.catalogue
    findings = [
        *_unique_codes(catalogue),
        *_tree(catalogue),
        *_months(catalogue),
        *_counts(programme),
        *_weights(catalogue),
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


def _weights(catalogue: Catalogue) -> list[Finding]:
    """Each area's weights per month and per year should sum to 100; report where they do not."""
    by_unit: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in catalogue.indicators:
        if not indicator.office_indicator:
            by_unit[indicator.unit].append(indicator)
    findings: list[Finding] = []
    for unit, indicators in sorted(by_unit.items()):
        for month in range(1, 13):
            due = [i.months[month].weight for i in indicators if month in i.months]
            if due and abs(sum(due) - 100.0) > WEIGHT_TOLERANCE:
                findings.append(
                    Finding(
                        "warning",
                        unit,
                        f"{MONTH_KEYS[month - 1]}: las ponderaciones suman {sum(due):.1f}, "
                        "no 100; se normalizan al calificar",
                    )
                )
        annual = sum(i.annual_weight for i in indicators)
        if abs(annual - 100.0) > WEIGHT_TOLERANCE:
            findings.append(
                Finding("warning", unit, f"las ponderaciones anuales suman {annual:.1f}, no 100")
            )
    return findings


def _readings(programme: ProgrammeFile) -> list[Finding]:
    return [
        Finding(
            "info", code, "lectura ambigua del documento fuente: " + "; ".join(t.interpretation)
        )
        for code, t in sorted(programme.texts.items())
        if t.ambiguous
    ]


def has_errors(findings: list[Finding]) -> bool:
    """Whether any finding stops a load."""
    return any(f.severity == "error" for f in findings)
