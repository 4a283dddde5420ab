"""The long capture CSV, header `indicator,office,period,numerator,denominator,value,…`.

`parse_captures` is pure: text and catalogue in, captures plus a line-by-line list of what was
rejected (and what was accepted with a warning) out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from scoring import Catalogue, Indicator, Kind
from semaforo.codes import fold, nearest_codes
from semaforo.values import Number, Rejected, parse_number, plain

HEADER = (
    "indicator", "office", "period", "numerator", "denominator", "value", "justification",
    "evidence",
)  # fmt: skip
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class CaptureRow:
    """One valid capture read from a row."""

    indicator: str
    office: str
    year: int
    month: int
    numerator: float | None
    denominator: float | None
    value: float | None
    justification: str
    evidence: str


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A rejected row (error) or an accepted one with something to tell its owner (warning)."""

    line: int
    severity: str  # error | warning
    reason: str


@dataclass(slots=True)
class ParsedCaptures:
    """What a capture file holds: the valid rows and the problems, by line."""

    rows: list[CaptureRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[RowProblem]:
        """The rejected rows."""
        return [p for p in self.problems if p.severity == "error"]


class _RowError(Exception):
    pass


def parse_captures(text: str, catalogue: Catalogue) -> ParsedCaptures:
    """Read a capture CSV against the catalogue; never raises for a bad row."""
    result = ParsedCaptures()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    missing = [h for h in HEADER if h not in [c.strip().lower() for c in header or []]]
    if header is None or missing:
        result.problems.append(
            RowProblem(
                1,
                "error",
                f"encabezado incompleto; faltan: {', '.join(missing)}; "
                f"se espera {','.join(HEADER)}",
            )
        )
        return result
    columns = {name.strip().lower(): i for i, name in enumerate(header)}
    offices = _office_lookup(catalogue)
    seen: dict[tuple[str, str, int], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        record = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        try:
            row, warnings = _row(record, catalogue, offices)
        except _RowError as exc:
            result.problems.append(RowProblem(line, "error", str(exc)))
            continue
        key = (row.indicator, row.office, row.month)
        if key in seen:
            result.problems.append(
                RowProblem(
                    line, "error", f"repite indicador, oficina y periodo de la línea {seen[key]}"
                )
            )
            continue
        seen[key] = line
        result.rows.append(row)
        result.problems.extend(RowProblem(line, "warning", w) for w in warnings)
    return result


def _row(
    record: dict[str, str], catalogue: Catalogue, offices: dict[str, str]
) -> tuple[CaptureRow, list[str]]:
    code = record["indicator"]
    indicator = catalogue.indicator(code)
    if indicator is None:
        hint = nearest_codes(code, [i.code for i in catalogue.indicators])
        suggestion = f" (¿quiso decir {', '.join(hint)}?)" if hint else ""
        raise _RowError(f"indicador desconocido: «{code}»{suggestion}")
    office = _office(record["office"], indicator, offices)
    year, month = _period(record["period"], catalogue.year)
    numerator, denominator, value, warnings = _figures(record, indicator)
    if month not in catalogue.plan_for(indicator, office):
        warnings.append(
            f"{code} no tiene meta programada en {year}-{month:02d}; se guarda pero no se califica"
        )
    row = CaptureRow(
        indicator=indicator.code, office=office, year=year, month=month,
        numerator=numerator, denominator=denominator, value=value,
        justification=record["justification"], evidence=record["evidence"],
    )  # fmt: skip
    return row, warnings


def _period(text: str, year: int) -> tuple[int, int]:
    match = _PERIOD.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise _RowError(f"periodo «{text}» no válido; use AAAA-MM, p. ej. {year}-03")
    if int(match.group(1)) != year:
        raise _RowError(f"el periodo {text} está fuera del programa, que cubre el año {year}")
    return year, int(match.group(2))


def _office(text: str, indicator: Indicator, offices: dict[str, str]) -> str:
    if not indicator.office_indicator:
        if text:
            raise _RowError(f"{indicator.code} es un indicador central: la oficina va vacía")
        return ""
    if not text:
        raise _RowError(f"{indicator.code} es de las Oficinas de Representación: falta la oficina")
    code = offices.get(fold(text))
    if code is None:
        raise _RowError(f"oficina desconocida: «{text}»; use p. ej. OR-09 o Ciudad de México")
    return code


def _figures(
    record: dict[str, str], indicator: Indicator
) -> tuple[float | None, float | None, float | None, list[str]]:
    warnings: list[str] = []
    if indicator.kind is Kind.RATIO:
        if record["value"]:
            raise _RowError(
                f"{indicator.code} es un cociente: capture numerador y denominador, no value"
            )
        numerator = _amount(record["numerator"], "numerador", required=True)
        denominator = _amount(record["denominator"], "denominador", required=True)
        assert numerator is not None and denominator is not None
        if denominator == 0:
            raise _RowError("el denominador es 0: no hay base para calcular el porcentaje")
        if numerator > denominator:
            warnings.append(
                f"el numerador ({plain(numerator)}) supera al denominador ({plain(denominator)}); "
                "se acepta (p. ej. rezago atendido), verifique que sea correcto"
            )
        return numerator, denominator, None, warnings
    if record["numerator"] or record["denominator"]:
        raise _RowError(
            f"{indicator.code} se captura como cifra en value, sin numerador ni denominador"
        )
    return None, None, _amount(record["value"], "value", required=True), warnings


def _amount(text: str, label: str, *, required: bool) -> float | None:
    parsed = parse_number(text)
    if parsed is None:
        if required:
            raise _RowError(f"falta {label}")
        return None
    if isinstance(parsed, Rejected):
        raise _RowError(f"{label}: {parsed.reason}")
    assert isinstance(parsed, Number)
    if parsed.percent:
        raise _RowError(f"{label}: «{text}» lleva %; capture la cantidad, no el porcentaje")
    if parsed.value < 0:
        raise _RowError(f"{label}: «{text}» es negativo")
    return parsed.value


def _office_lookup(catalogue: Catalogue) -> dict[str, str]:
    """Every way an office may be written: OR-09, 09, 9, its name, or its entity's name."""
    lookup: dict[str, str] = {}
    for office in catalogue.offices():
        keys: Iterable[str] = (office.code, office.name, office.name.split(" en ", 1)[-1])
        number = office.code.rsplit("-", 1)[-1]
        if number.isdigit():
            keys = (*keys, number, str(int(number)))
        for key in keys:
            lookup[fold(key)] = office.code
    return lookup


def to_csv(rows: Iterable[CaptureRow]) -> str:
    """Captures in the same long format, ready to re-import."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([
            r.indicator, r.office, f"{r.year}-{r.month:02d}", _fmt(r.numerator),
            _fmt(r.denominator), _fmt(r.value), r.justification, r.evidence,
        ])  # fmt: skip
    return out.getvalue()


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)
