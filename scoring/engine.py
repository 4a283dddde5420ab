"""DOMAIN rules 3-5: indicator results over a period, area scores and the roll-up.

`evaluate` is a pure function: catalogue, captures, period, the moment of the question and each
month's capture deadline in; a tree of results out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean

from scoring.model import Capture, Catalogue, Colour, Indicator, Kind, MonthPlan, Unit, UnitKind
from scoring.periods import Period
from scoring.rules import achieved_figure, capped, colour_of, compliance

INSTITUTION = ""
"""The code of the tree's root: the whole institution."""

CaptureKey = tuple[str, str, int]
"""(indicator code, office code or '', month)."""


@dataclass(frozen=True, slots=True)
class Gap:
    """A due month with no valid capture: pending before its deadline, missing after."""

    indicator: str
    office: str
    month: int
    deadline: dt.date


@dataclass(slots=True)
class Result:
    """The standing of the institution, a unit or an indicator over a period."""

    code: str
    name: str
    level: str  # institution | top | dga | area | office_branch | office | indicator
    score: float | None
    colour: Colour
    children: list[Result] = field(default_factory=list)
    pending: list[Gap] = field(default_factory=list)
    missing: list[Gap] = field(default_factory=list)
    office: str = ""
    weight: float = 0.0
    achieved: float | None = None
    programmed: float | None = None
    due_months: tuple[int, ...] = ()
    measure: str = ""

    def walk(self) -> list[Result]:
        """This node and all its descendants, depth first."""
        return [self, *(d for c in self.children for d in c.walk())]

    def find(self, code: str) -> Result | None:
        """This node or the first descendant with the code."""
        if self.code == code:
            return self
        for child in self.children:
            if (hit := child.find(code)) is not None:
                return hit
        return None


@dataclass(frozen=True, slots=True)
class _Question:
    catalogue: Catalogue
    captures: Mapping[CaptureKey, Capture]
    period: Period
    as_of: dt.date
    deadlines: Mapping[int, dt.date]
    closed: frozenset[int]
    """The period's months whose capture deadline has passed (rule 4)."""


def closed_months(
    period: Period, *, as_of: dt.date, deadlines: Mapping[int, dt.date]
) -> tuple[int, ...]:
    """Rule 4: the months of the period that are closed at `as_of` (their deadline passed)."""
    return tuple(m for m in period.months if as_of > deadlines[m])


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a period counts at a moment (rule 4): its closed months, and the month now
    in capture with its deadline. A period of several months reaching past its last closed
    month is partial."""

    period: Period
    closed: tuple[int, ...]
    open_month: int | None = None
    open_deadline: dt.date | None = None

    @property
    def partial(self) -> bool:
        """Several months, not all of them closed."""
        return not self.period.is_single_month and self.period.last not in self.closed


def coverage(period: Period, *, as_of: dt.date, deadlines: Mapping[int, dt.date]) -> Coverage:
    """The period's closed months at `as_of`, and its earliest begun month still in capture."""
    closed = closed_months(period, as_of=as_of, deadlines=deadlines)
    running = [m for m in period.months if m not in closed and dt.date(period.year, m, 1) <= as_of]
    if not running:
        return Coverage(period, closed)
    return Coverage(period, closed, running[0], deadlines[running[0]])


def last_closed_month(year: int, *, as_of: dt.date, deadlines: Mapping[int, dt.date]) -> int:
    """The last month of `year` closed at `as_of`; 0 when none is closed yet."""
    closed = closed_months(Period.whole_year(year), as_of=as_of, deadlines=deadlines)
    return closed[-1] if closed else 0


def evaluate(
    catalogue: Catalogue,
    captures: Iterable[Capture],
    *,
    period: Period,
    as_of: dt.date,
    deadlines: Mapping[int, dt.date],
) -> Result:
    """The institution's result tree for the period, as known at `as_of`.

    `deadlines` maps each month (1-12) of the programme's year to its capture deadline, the
    last day on which an empty due month is still pending (rule 6).
    """
    by_key = {(c.indicator, c.office, c.month): c for c in captures}
    closed = frozenset(closed_months(period, as_of=as_of, deadlines=deadlines))
    question = _Question(catalogue, by_key, period, as_of, deadlines, closed)
    tops = sorted(
        (u for u in catalogue.units if u.parent is None),
        key=lambda u: (u.kind is UnitKind.OFFICE_BRANCH, code_key(u.code)),
    )
    children = [_unit_result(question, u) for u in tops]
    central = [c for c in children if c.level != UnitKind.OFFICE_BRANCH.value]
    score, colour = _average(central, catalogue)
    return Result(
        code=INSTITUTION,
        name=catalogue.name,
        level="institution",
        score=score,
        colour=colour,
        children=children,
        pending=[g for c in children for g in c.pending],
        missing=[g for c in children for g in c.missing],
    )


def code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of codes: 2 < 9 < 10, 2.1.2 < 2.1.10, OR-02 < OR-10."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\-]", code)
    )


def _unit_result(q: _Question, unit: Unit) -> Result:
    sub_units = [u for u in q.catalogue.units if u.parent == unit.code]
    if unit.kind is UnitKind.OFFICE:
        office_indicators = [i for i in q.catalogue.indicators if i.office_indicator]
        children = [_indicator_result(q, i, office=unit.code) for i in office_indicators]
        score, colour = _weighted(children, q)
    elif sub_units:
        children = [_unit_result(q, u) for u in sub_units]
        score, colour = _average(children, q.catalogue)
    else:
        own = [i for i in q.catalogue.indicators if i.unit == unit.code and not i.office_indicator]
        children = [_indicator_result(q, i) for i in own]
        score, colour = _weighted(children, q)
    return Result(
        code=unit.code,
        name=unit.name,
        level=unit.kind.value,
        score=score,
        colour=colour,
        children=children,
        pending=[g for c in children for g in c.pending],
        missing=[g for c in children for g in c.missing],
    )


def _average(children: list[Result], catalogue: Catalogue) -> tuple[float | None, Colour]:
    """Rule 5: the simple average of the children that have a score in the period."""
    scored = [c.score for c in children if c.score is not None]
    if scored:
        value = fmean(scored)
        return value, colour_of(value, catalogue.thresholds)
    return None, _state_without_score(children)


def _weighted(children: list[Result], q: _Question) -> tuple[float | None, Colour]:
    """Rules 3 and 4: Σ weight·min(compliance, cap) / Σ weight; missing counts as 0."""
    counted = [c for c in children if c.colour is Colour.MISSING or c.score is not None]
    if not counted:
        return None, _state_without_score(children)
    total_weight = sum(c.weight for c in counted)
    cap = q.catalogue.cap
    if total_weight > 0:
        value = sum(c.weight * _counted_value(c, cap) for c in counted) / total_weight
    else:  # no weights programmed (e.g. office targets without weights): equal shares
        value = fmean(_counted_value(c, cap) for c in counted)
    return value, colour_of(value, q.catalogue.thresholds)


def _counted_value(result: Result, cap: float) -> float:
    if result.colour is Colour.MISSING or result.score is None:
        return 0.0
    return capped(result.score, cap)


def _state_without_score(children: list[Result]) -> Colour:
    if any(c.colour in (Colour.PENDING, Colour.MISSING) for c in children):
        return Colour.PENDING
    return Colour.NONE


def _indicator_result(q: _Question, indicator: Indicator, *, office: str = "") -> Result:
    plan = q.catalogue.plan_for(indicator, office)
    due = tuple(m for m in q.period.months if m in plan)
    base = Result(
        code=indicator.code,
        name=indicator.name,
        level="indicator",
        score=None,
        colour=Colour.NONE,
        office=office,
        due_months=due,
        weight=_weight(indicator, plan, q.period),
        measure="percent" if indicator.kind is Kind.RATIO else indicator.measure,
    )
    if not due:
        return base
    captured: dict[int, Capture] = {}
    for month in due:
        capture = q.captures.get((indicator.code, office, month))
        if capture is not None and capture.is_valid_for(indicator.kind):
            captured[month] = capture
            continue
        gap = Gap(indicator.code, office, month, q.deadlines[month])
        (base.missing if q.as_of > gap.deadline else base.pending).append(gap)
    if base.missing:
        base.colour = Colour.MISSING
        return base
    # Rule 4: several months are scored over their closed months only; one month (rule 3)
    # scores what is captured, open or not.
    counted = captured if q.period.is_single_month else {
        m: c for m, c in captured.items() if m in q.closed
    }  # fmt: skip
    if not counted:
        # Pending for the period: what is captured so far is shown beside it, unscored.
        base.colour = Colour.PENDING
        if captured:
            base.achieved, base.programmed = period_figures(indicator, plan, captured)
        return base
    achieved, programmed = period_figures(indicator, plan, counted)
    base.achieved, base.programmed = achieved, programmed
    if achieved is not None and programmed is not None:
        base.score = compliance(
            achieved=achieved, programmed=programmed, direction=indicator.direction
        )
    if base.score is not None:
        thresholds = indicator.thresholds or q.catalogue.thresholds
        base.colour = colour_of(base.score, thresholds)
    return base


def _weight(indicator: Indicator, plan: Mapping[int, MonthPlan], period: Period) -> float:
    """Rule 3 takes the month's weight; rule 4 the annual weight (the Total column)."""
    if period.is_single_month:
        month_plan = plan.get(period.first)
        return month_plan.weight if month_plan else 0.0
    if indicator.annual_weight:
        return indicator.annual_weight
    return sum(p.weight for p in plan.values())


def period_figures(
    indicator: Indicator, plan: Mapping[int, MonthPlan], captured: Mapping[int, Capture]
) -> tuple[float | None, float | None]:
    """Rule 4: the achieved and programmed figures of a period whose due months are captured.

    An accumulable variable sums its due months; a non-accumulable one takes the latest. A ratio
    compares its (accumulated) percent with the latest due month's target percent.
    """
    months = sorted(captured)
    latest = months[-1]
    acc = indicator.accumulation

    def combine(values: list[float], accumulable: bool) -> float:
        return sum(values) if accumulable else values[-1]

    if indicator.kind is Kind.RATIO:
        numerator = combine([_num(captured[m].numerator) for m in months], acc.numerator)
        denominator = combine([_num(captured[m].denominator) for m in months], acc.denominator)
        achieved = achieved_figure(
            Kind.RATIO, numerator=numerator, denominator=denominator, value=None
        )
        return achieved, plan[latest].target
    achieved = combine([_num(captured[m].value) for m in months], acc.value)
    programmed = combine([plan[m].target for m in months], acc.value)
    return achieved, programmed


def _num(value: float | None) -> float:
    if value is None:  # callers pass only captures that passed is_valid_for
        raise ValueError("a captured variable is empty")
    return value
