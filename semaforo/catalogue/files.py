"""Programme catalogues: the YAML files in `semaforo/catalogue/bundled/<id>/`, read and checked.

The format is documented in docs/catalogue-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

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
        known = ", ".join(available_programmes()) or "none"
        raise CatalogueError(f"unknown programme {programme_id!r} (known: {known})")
    head = _read_yaml(folder / "programme.yaml")
    units: list[dict[str, Any]] = list(head.get("units") or [])
    raw_indicators: list[dict[str, Any]] = list(head.get("indicators") or [])
    for part in sorted(folder.glob("*.yaml")):
        if part.name == "programme.yaml":
            continue
        data = _read_yaml(part)
        units.extend(data.get("units") or [])
        raw_indicators.extend(data.get("indicators") or [])
    try:
        return _build(head, units, raw_indicators)
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"{folder}: {exc}") from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: expected a mapping at the top of the file")
    return data


def _thresholds(raw: dict[str, Any] | None) -> Thresholds | None:
    if not raw:
        return None
    return Thresholds(
        yellow=float(raw["yellow"]), green=float(raw["green"]), exceeded=float(raw["exceeded"])
    )


def _build(
    head: dict[str, Any], raw_units: list[dict[str, Any]], raw_indicators: list[dict[str, Any]]
) -> ProgrammeFile:
    units = tuple(
        Unit(
            code=str(u["code"]),
            name=str(u["name"]),
            kind=UnitKind(u["kind"]),
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
    )


def _indicator(raw: dict[str, Any]) -> tuple[Indicator, IndicatorText]:
    code = str(raw["code"])
    kind = Kind(raw["kind"])
    months: dict[int, MonthPlan] = {}
    shares = raw.get("share") or {}
    for key, cell in (raw.get("months") or {}).items():
        if key not in MONTH_KEYS:
            raise ValueError(f"indicator {code}: unknown month key {key!r}")
        month = MONTH_KEYS.index(key) + 1
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
        direction=Direction(raw.get("direction", "ascending")),
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
    readings = raw.get("interpretation") or []
    text = IndicatorText(
        description=str(raw.get("description", "")).strip(),
        formula=str(raw.get("formula", "")).strip(),
        interpretation=tuple(
            f"línea {r.get('line', '?')}: {r.get('reading') or r.get('text', '')}".strip()
            for r in readings
        ),
        ambiguous=any(bool(r.get("ambiguous")) for r in readings),
        source_lines=tuple(int(n) for n in raw.get("source_lines") or ()),
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
