"""Programme catalogues: the YAML files in `semaforo/catalogue/bundled/<id>/`, read and checked.

The format is documented in docs/catalogue-format.md.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from scoring import (
    MONTH_KEYS,
    Accumulation,
    Catalogue,
    Direction,
    Indicator,
    Kind,
    MonthPlan,
    Thresholds,
    Unit,
    UnitKind,
)
from semaforo.targets import TargetBook


class CatalogueError(Exception):
    """A catalogue file that cannot be read at all; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class IndicatorText:
    """The words of an indicator that scoring does not need but people read."""

    description: str = ""
    formula: str = ""
    interpretation: tuple[str, ...] = ()
    ambiguous: bool = False
    source_lines: tuple[int, ...] = ()
    ambiguities: tuple[str, ...] = ()
    """The readings marked ambiguous, each with both readings, in Spanish: `catalogue check`
    prints them."""


@dataclass(frozen=True, slots=True)
class TotalRow:
    """An area's «TOTAL DE LA PONDERACIÓN» row as the source prints it: per month, the sum of
    the weights due that month, and the Total. It is the source's own evidence of which months
    the area has something due, so `catalogue check` compares the catalogue's reading with it."""

    unit: str
    line: int
    months: dict[int, float]
    """The months whose cell the row fills (1 = enero), with the printed value, percent."""
    total: float | None
    """The Total column, percent; None where the source prints none."""
    layout: str = "header"
    """Where the row's month cells sit in the seed line: `header` (enero = cell 4, Total =
    cell 16) or `name` (enero = cell 5, Total = cell 17, as in rows that carry a name cell)."""
    reading: str = ""
    documented: dict[int | None, str] = field(default_factory=dict)
    """Disagreements with the catalogue that its reading keeps on purpose: month (None for the
    Total) -> the indicator whose ambiguous reading explains it."""


@dataclass(frozen=True, slots=True)
class ProgrammeFile:
    """A programme as its catalogue files give it."""

    id: str
    catalogue: Catalogue
    institution: str = ""
    timezone: str = "America/Mexico_City"
    deadline_business_days: int = 5
    expected_indicators: int | None = None
    expected_office_indicators: int | None = None
    texts: dict[str, IndicatorText] = field(default_factory=dict)
    unit_lines: dict[str, int] = field(default_factory=dict)
    totals: dict[str, TotalRow] = field(default_factory=dict)
    """Each area's TOTAL row, by unit code."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of `catalogue check`: an error stops a load, a warning is the source's own."""

    severity: str  # error | warning | info
    code: str
    message: str


def catalogues_root() -> Path:
    """The folder that holds the bundled programme catalogues."""
    return Path(str(resources.files("semaforo.catalogue") / "bundled"))


def available_programmes() -> list[str]:
    """The ids of the bundled programmes."""
    return sorted(p.name for p in catalogues_root().iterdir() if (p / "programme.yaml").exists())


def load_programme(programme_id: str, root: Path | None = None) -> ProgrammeFile:
    """Read every YAML file of a programme's folder into one `ProgrammeFile`."""
    folder = (root or catalogues_root()) / programme_id
    if not (folder / "programme.yaml").is_file():
        known = ", ".join(available_programmes()) or "ninguno"
        raise CatalogueError(f"programa desconocido «{programme_id}» (conocidos: {known})")
    head = _read_yaml(folder / "programme.yaml")
    units: list[dict[str, Any]] = list(head.get("units") or [])
    raw_indicators: list[dict[str, Any]] = list(head.get("indicators") or [])
    raw_totals: list[dict[str, Any]] = list(head.get("totals") or [])
    for part in sorted(folder.glob("*.yaml")):
        if part.name == "programme.yaml":
            continue
        data = _read_yaml(part)
        units.extend(data.get("units") or [])
        raw_indicators.extend(data.get("indicators") or [])
        raw_totals.extend(data.get("totals") or [])
    try:
        return _build(head, units, raw_indicators, raw_totals)
    except KeyError as exc:
        raise CatalogueError(f"{folder}: falta el campo {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise CatalogueError(f"{folder}: {exc}") from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: no es YAML válido: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: se esperaba un mapeo (clave: valor) al inicio del archivo")
    return data


def _thresholds(raw: dict[str, Any] | None) -> Thresholds | None:
    if not raw:
        return None
    return Thresholds(
        yellow=float(raw["yellow"]), green=float(raw["green"]), exceeded=float(raw["exceeded"])
    )


def _build(
    head: dict[str, Any],
    raw_units: list[dict[str, Any]],
    raw_indicators: list[dict[str, Any]],
    raw_totals: list[dict[str, Any]],
) -> ProgrammeFile:
    units = tuple(
        Unit(
            code=str(u["code"]),
            name=str(u["name"]),
            kind=_choice(UnitKind, u["kind"], f"unidad {u['code']}: kind"),
            parent=None if u.get("parent") is None else str(u["parent"]),
        )
        for u in raw_units
    )
    indicators: list[Indicator] = []
    texts: dict[str, IndicatorText] = {}
    for raw in raw_indicators:
        indicator, text = _indicator(raw)
        indicators.append(indicator)
        texts[indicator.code] = text
    catalogue = Catalogue(
        programme=str(head["id"]),
        name=str(head["name"]),
        year=int(head["year"]),
        units=units,
        indicators=tuple(indicators),
        thresholds=_thresholds(head.get("thresholds")) or Thresholds(),
        cap=float(head.get("cap", 100.0)),
    )
    expected = head.get("expected") or {}
    return ProgrammeFile(
        id=catalogue.programme,
        catalogue=catalogue,
        institution=str(head.get("institution", "")),
        timezone=str(head.get("timezone", "America/Mexico_City")),
        deadline_business_days=int(head.get("deadline_business_days", 5)),
        expected_indicators=expected.get("indicators"),
        expected_office_indicators=expected.get("office_indicators"),
        texts=texts,
        unit_lines={
            str(u["code"]): int(u["source_line"]) for u in raw_units if u.get("source_line")
        },
        totals=_totals(raw_totals),
    )


_Choice = TypeVar("_Choice", bound=enum.Enum)


def _choice(kind: type[_Choice], value: Any, where: str) -> _Choice:
    try:
        return kind(value)
    except ValueError:
        allowed = " | ".join(str(member.value) for member in kind)
        raise ValueError(f"{where}: «{value}» no es válido ({allowed})") from None


def _month(key: str, where: str) -> int:
    if key not in MONTH_KEYS:
        raise ValueError(f"{where}: mes desconocido «{key}» ({' '.join(MONTH_KEYS)})")
    return MONTH_KEYS.index(key) + 1


def _totals(raw_totals: list[dict[str, Any]]) -> dict[str, TotalRow]:
    totals: dict[str, TotalRow] = {}
    for raw in raw_totals:
        unit = str(raw["unit"])
        where = f"fila TOTAL de {unit}"
        if unit in totals:
            raise ValueError(f"{where}: aparece dos veces")
        layout = str(raw.get("layout", "header"))
        if layout not in ("header", "name"):
            raise ValueError(f"{where}: disposición desconocida «{layout}» (header | name)")
        months = {_month(k, where): float(v) for k, v in (raw.get("months") or {}).items()}
        documented = raw.get("documented") or {}
        totals[unit] = TotalRow(
            unit=unit,
            line=int(raw["line"]),
            months=dict(sorted(months.items())),
            total=None if raw.get("total") is None else float(raw["total"]),
            layout=layout,
            reading=str(raw.get("reading", "")).strip(),
            documented={
                None if k == "total" else _month(k, where): str(v) for k, v in documented.items()
            },
        )
    return totals


def _indicator(raw: dict[str, Any]) -> tuple[Indicator, IndicatorText]:
    code = str(raw["code"])
    kind = _choice(Kind, raw["kind"], f"indicador {code}: kind")
    months: dict[int, MonthPlan] = {}
    shares = raw.get("share") or {}
    for key, cell in (raw.get("months") or {}).items():
        month = _month(key, f"indicador {code}")
        months[month] = MonthPlan(
            target=float(cell["target"]),
            weight=float(cell["weight"]),
            share=None if shares.get(key) is None else float(shares[key]),
        )
    default = Accumulation.default_for(kind)
    acc = raw.get("accumulation") or {}
    indicator = Indicator(
        code=code,
        unit=str(raw["unit"]),
        name=str(raw["name"]).strip(),
        kind=kind,
        direction=_choice(Direction, raw.get("direction", "ascending"), f"indicador {code}"),
        months=dict(sorted(months.items())),
        annual_target=None if raw.get("annual_target") is None else float(raw["annual_target"]),
        annual_weight=float(raw.get("annual_weight") or 0.0),
        strategic=bool(raw.get("strategic", False)),
        accumulation=Accumulation(
            numerator=bool(acc.get("numerator", default.numerator)),
            denominator=bool(acc.get("denominator", default.denominator)),
            value=bool(acc.get("value", default.value)),
        ),
        thresholds=_thresholds(raw.get("thresholds")),
        office_indicator=bool(raw.get("office_indicator", False)),
        measure=str(raw.get("measure", "")),
    )
    readings = [
        (f"línea {r.get('line', '?')}: {r.get('reading') or r.get('text', '')}".strip(), r)
        for r in raw.get("interpretation") or []
    ]
    text = IndicatorText(
        description=str(raw.get("description", "")).strip(),
        formula=str(raw.get("formula", "")).strip(),
        interpretation=tuple(words for words, _ in readings),
        ambiguous=any(bool(r.get("ambiguous")) for _, r in readings),
        source_lines=tuple(int(n) for n in raw.get("source_lines") or ()),
        ambiguities=tuple(words for words, r in readings if r.get("ambiguous")),
    )
    return indicator, text


@dataclass(frozen=True, slots=True)
class StoredProgramme:
    """A programme as the database holds it: what scoring needs plus the settings around it."""

    id: str
    catalogue: Catalogue
    institution: str
    timezone: str
    deadline_business_days: int
    texts: dict[str, IndicatorText] = field(default_factory=dict)
    targets: TargetBook = field(default_factory=TargetBook)
    """The modifications of approved targets; the catalogue holds the values in force."""
