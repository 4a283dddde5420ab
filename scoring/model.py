"""Plain data the scoring engine works on: the catalogue and the captures.

Standard library only. Rows from the database and the workbook become these at the boundary.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

MONTH_KEYS: tuple[str, ...] = (
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
)  # fmt: skip


class Kind(enum.StrEnum):
    """What an indicator measures and so what staff capture."""

    RATIO = "ratio"  # numerator and denominator, target in percent
    COUNT = "count"  # an absolute figure: reports, people, minutes, pesos
    SCORE = "score"  # a grade or level, e.g. 9.0 out of 10


class Direction(enum.StrEnum):
    """Ascendente (higher is better) or descendente (lower is better)."""

    ASCENDING = "ascending"
    DESCENDING = "descending"


class Colour(enum.StrEnum):
    """A traffic-light band, or the state of something that has no number."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    EXCEEDED = "exceeded"
    PENDING = "pending"  # due, not captured, capture deadline not yet passed
    MISSING = "missing"  # due, not captured, deadline passed
    NONE = "none"  # nothing due in the period


class UnitKind(enum.StrEnum):
    """Where a unit sits in the tree."""

    TOP = "top"
    DGA = "dga"
    AREA = "area"
    OFFICE_BRANCH = "office_branch"
    OFFICE = "office"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Lower bounds, in percent of compliance, of the yellow, green and exceeded bands.

    Bands are half-open: red [0, yellow), yellow [yellow, green), green [green, exceeded),
    exceeded [exceeded, ∞).
    """

    yellow: float = 70.0
    green: float = 95.0
    exceeded: float = 116.0

    def __post_init__(self) -> None:
        if not 0 <= self.yellow <= self.green <= self.exceeded:
            raise ValueError(
                f"thresholds must satisfy 0 <= yellow <= green <= exceeded, got {self}"
            )


@dataclass(frozen=True, slots=True)
class MonthPlan:
    """The programmed target (meta programada) and weight (ponderación) of one due month."""

    target: float
    weight: float
    share: float | None = None


@dataclass(frozen=True, slots=True)
class Accumulation:
    """Whether each variable sums over a period (acumulable) or takes its latest month."""

    numerator: bool = True
    denominator: bool = True
    value: bool = True

    @staticmethod
    def default_for(kind: Kind) -> Accumulation:
        """Rule 4's defaults: ratio and count accumulate, a score takes the latest month."""
        if kind is Kind.SCORE:
            return Accumulation(numerator=False, denominator=False, value=False)
        return Accumulation()


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator of the programme with its calendar of due months (1-12)."""

    code: str
    unit: str
    name: str
    kind: Kind
    direction: Direction = Direction.ASCENDING
    months: dict[int, MonthPlan] = field(default_factory=dict)
    annual_target: float | None = None
    annual_weight: float = 0.0
    strategic: bool = False
    accumulation: Accumulation = Accumulation()
    thresholds: Thresholds | None = None
    office_indicator: bool = False
    measure: str = ""


@dataclass(frozen=True, slots=True)
class Unit:
    """A node of the unit tree: a top unit, a DGA, an area, the office branch or an office."""

    code: str
    name: str
    kind: UnitKind
    parent: str | None


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A programme's units and indicators, with its scoring settings."""

    programme: str
    name: str
    year: int
    units: tuple[Unit, ...]
    indicators: tuple[Indicator, ...]
    thresholds: Thresholds = Thresholds()
    cap: float = 100.0
    office_months: dict[str, dict[str, dict[int, MonthPlan]]] = field(default_factory=dict)
    """Office indicators' targets: indicator code -> office code ('' = every office) -> months."""

    def unit(self, code: str) -> Unit | None:
        """The unit with this code, if any."""
        return next((u for u in self.units if u.code == code), None)

    def indicator(self, code: str) -> Indicator | None:
        """The indicator with this code, if any."""
        return next((i for i in self.indicators if i.code == code), None)

    def offices(self) -> tuple[Unit, ...]:
        """The representation offices (each reports the office indicators)."""
        return tuple(u for u in self.units if u.kind is UnitKind.OFFICE)

    def plan_for(self, indicator: Indicator, office: str = "") -> dict[int, MonthPlan]:
        """The due months of an indicator; an office indicator's come from the workbook."""
        if not indicator.office_indicator:
            return indicator.months
        per_office = self.office_months.get(indicator.code, {})
        return per_office.get(office) or per_office.get("", {})


@dataclass(frozen=True, slots=True)
class Capture:
    """What staff captured for one indicator, (office,) and month: the realizado."""

    indicator: str
    month: int
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    office: str = ""

    def is_valid_for(self, kind: Kind) -> bool:
        """Whether the capture holds what this kind of indicator needs to be scored."""
        if kind is Kind.RATIO:
            return (
                self.numerator is not None
                and self.denominator is not None
                and self.denominator > 0
                and self.numerator >= 0
            )
        return self.value is not None and self.value >= 0
