"""The quarterly report as plain data: built once from the database, rendered by `pdf` and
`xlsx` without touching it again.

The scores are `service.status`'s own (the same tree `semaforo status --json` prints); the
months and the year to date are scored the same way, one period each. What was known at the
deadline comes from the capture history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from scoring import Colour, Indicator, Period, Result, Thresholds
from semaforo import chart, service
from semaforo.calendar import deadlines_for_year
from semaforo.catalogue.files import StoredProgramme
from semaforo.codes import normalise_code
from semaforo.formatting import LOW, period_text
from semaforo.store import captures
from semaforo.store.captures import SeenCapture as CaptureHistory
from semaforo.store.engine import transaction
from semaforo.targets import TargetChange

UNIT_LEVELS = ("top", "dga", "area", "office_branch", "office")
Key = tuple[str, str, int]
"""(indicator, office, month) of a capture."""


@dataclass(frozen=True, slots=True)
class Figures:
    """Programmed and achieved (result), compliance and colour, with the variables captured
    (numerator = Variable 1, denominator = Variable 2, or the value of a count)."""

    programmed: float | None
    achieved: float | None
    score: float | None
    colour: Colour
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month of the period: the approved target, the one in force, what was achieved."""

    month: int
    approved: float | None
    target: float | None
    figures: Figures


@dataclass(frozen=True, slots=True)
class Note:
    """The analysis (justification) and evidence captured with a month's value."""

    month: int
    office: str
    justification: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Correction:
    """A value changed after its deadline: as known at the deadline, as corrected, and when."""

    month: int
    office: str
    at_deadline: tuple[float | None, float | None, float | None]
    corrected: tuple[float | None, float | None, float | None]
    changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class IndicatorSheet:
    """One indicator: its technical sheet (ficha técnica), targets and progress."""

    code: str
    unit: str
    unit_name: str
    name: str
    description: str
    formula: str
    measure: str
    frequency: str
    direction: str
    kind: str
    accumulation: tuple[tuple[str, bool], ...]
    thresholds: Thresholds
    office_indicator: bool
    months: tuple[MonthRow, ...]
    period: Figures
    year_to_date: Figures
    modifications: tuple[TargetChange, ...]
    notes: tuple[Note, ...]
    corrections: tuple[Correction, ...]


@dataclass(frozen=True, slots=True)
class UnitLine:
    """A unit's score and colour, how deep it sits, and its children that pull it down."""

    code: str
    name: str
    level: str
    depth: int
    score: float | None
    colour: Colour
    pulls_down: tuple[Result, ...]


@dataclass(frozen=True, slots=True)
class Completeness:
    """Per unit, the period's due captures: on time, late, still missing, still in time."""

    unit: str
    name: str
    on_time: int
    late: int
    missing: int
    pending: int


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the PDF and the spreadsheet show."""

    programme_id: str
    programme_name: str
    institution: str
    period: Period
    period_words: str
    as_of: dt.date
    known_at: dt.datetime | None
    scope: str
    """The unit asked for with `--unit`, or '' for the whole institution."""
    root: Result
    units: tuple[UnitLine, ...]
    ranking: tuple[UnitLine, ...]
    offices: Result | None
    completeness: tuple[Completeness, ...]
    indicators: tuple[IndicatorSheet, ...]
    charts: tuple[chart.ChartSeries, ...] = ()
    """A monthly chart per unit under the scope (the top units for the institution)."""


def build_report(
    engine: Engine,
    programme_id: str,
    *,
    period: str,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
    unit: str | None = None,
) -> Report:
    """The report of a period (e.g. `2019-T1`), for the institution or one unit's subtree."""
    asked = service.status(engine, programme_id, period=period, as_of=as_of, known_at=known_at)
    stored, chosen = asked.programme, asked.period
    scope = normalise_code(unit) if unit else ""
    node = service.find_node(asked.node, stored, scope) if scope else asked.node
    views = {"ytd": f"{chosen.year}-ytd-{chosen.last:02d}"} | {
        str(m): f"{chosen.year}-{m:02d}" for m in chosen.months
    }
    trees = {
        key: service.status(
            engine, programme_id, period=text, as_of=asked.as_of, known_at=asked.known_at
        ).node
        for key, text in views.items()
    }
    with transaction(engine) as session:
        history = captures.year_history(
            session=session, programme_id=programme_id, year=chosen.year
        )
    if asked.known_at is not None:
        history = [h for h in history if h.seen_at <= asked.known_at]
    by_key: dict[Key, list[CaptureHistory]] = {}
    for row in history:
        by_key.setdefault((row.indicator, row.office, row.month), []).append(row)
    deadline_ends = _deadline_ends(stored)
    # in the tree's order (unit by unit), each indicator once (an office one is under each office)
    order = list(dict.fromkeys(n.code for n in node.walk() if n.level == "indicator"))
    sheets = tuple(
        _sheet(stored, indicator, chosen, asked.node, trees, by_key, deadline_ends)
        for code in order
        if (indicator := stored.catalogue.indicator(code)) is not None
    )
    units = tuple(_unit_lines(node))
    ranking = tuple(
        sorted(
            (u for u in units if u.level != "office" and u.score is not None and _holds(node, u)),
            key=lambda u: (-(u.score or 0.0), u.code),
        )
    )
    offices = next((n for n in node.walk() if n.level == "office_branch"), None)
    return Report(
        programme_id=programme_id, programme_name=stored.catalogue.name,
        institution=stored.institution, period=chosen,
        period_words=period_text(chosen, coverage=asked.coverage), as_of=asked.as_of,
        known_at=asked.known_at, scope=scope, root=node, units=units, ranking=ranking,
        offices=offices,
        completeness=tuple(_completeness(stored, chosen, asked.as_of, node, by_key,
                                         deadline_ends)),
        indicators=sheets, charts=tuple(_charts(engine, programme_id, node, asked.as_of)),
    )  # fmt: skip


def _charts(
    engine: Engine, programme_id: str, node: Result, as_of: dt.date
) -> Iterable[chart.ChartSeries]:
    """The scope's own chart for a unit; each top unit's for the institution."""
    shown = [c for c in node.children if c.level in UNIT_LEVELS] if not node.code else [node]
    for unit in shown:
        yield chart.chart_series(engine, programme_id, unit.code, as_of=as_of)


def _deadline_ends(stored: StoredProgramme) -> dict[int, dt.datetime]:
    """The first moment after each month's capture deadline, in the programme's time zone."""
    zone = ZoneInfo(stored.timezone)
    deadlines = deadlines_for_year(stored.catalogue.year, stored.deadline_business_days)
    return {
        month: dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        for month, day in deadlines.items()
    }


def _holds(root: Result, line: UnitLine) -> bool:
    """A unit with indicators of its own (an area, or a top unit with direct indicators)."""
    node = root.find(line.code)
    return node is not None and any(c.level == "indicator" for c in node.children)


def _unit_lines(node: Result, depth: int = 0) -> Iterable[UnitLine]:
    if node.level in UNIT_LEVELS or node.level == "institution":
        low = sorted(
            (c for c in node.children if c.colour in LOW),
            key=lambda c: (c.score if c.score is not None else -1.0, c.code),
        )
        yield UnitLine(node.code, node.name, node.level, depth, node.score, node.colour,
                       tuple(low))  # fmt: skip
        for child in node.children:
            yield from _unit_lines(child, depth + 1)


def frequency(months: Iterable[int]) -> str:
    """`mensual`, `trimestral`, `semestral`, `anual`, or how many months are due."""
    count = len(set(months))
    names = {12: "mensual", 4: "trimestral", 2: "semestral", 1: "anual", 0: "sin meses"}
    return names.get(count, f"{count} meses al año")


def _due_months(stored: StoredProgramme, indicator: Indicator) -> set[int]:
    months = set(indicator.months)
    for plan in stored.catalogue.office_months.get(indicator.code, {}).values():
        months |= set(plan)
    return months


def _sheet(
    stored: StoredProgramme,
    indicator: Indicator,
    period: Period,
    tree: Result,
    trees: dict[str, Result],
    by_key: dict[Key, list[CaptureHistory]],
    deadline_ends: dict[int, dt.datetime],
) -> IndicatorSheet:
    code = indicator.code
    text = stored.texts.get(code)
    unit = stored.catalogue.unit(indicator.unit)
    keys = [k for k in by_key if k[0] == code]
    acc = indicator.accumulation
    accumulation = (
        (("valor", acc.value),)
        if indicator.kind.value != "ratio"
        else (("variable 1", acc.numerator), ("variable 2", acc.denominator))
    )
    months = []
    for month in period.months:
        plan = indicator.months.get(month)
        change = stored.targets.latest(code, "", month)
        approved = change.approved.target if change else (plan.target if plan else None)
        figures = _figures(service.find_node(trees[str(month)], stored, code),
                           _variables(by_key, keys, [month], indicator))  # fmt: skip
        months.append(MonthRow(month, approved, plan.target if plan else None, figures))
    notes = [
        Note(k[2], k[1], rows[-1].justification, rows[-1].evidence)
        for k in sorted(keys, key=lambda k: (k[2], k[1]))
        if k[2] in period.months and (rows := by_key[k])[-1].change != "cleared"
        and (rows[-1].justification or rows[-1].evidence)
    ]  # fmt: skip
    return IndicatorSheet(
        code=code, unit=indicator.unit, unit_name=unit.name if unit else "",
        name=indicator.name, description=text.description if text else "",
        formula=text.formula if text else "", measure=indicator.measure,
        frequency=frequency(_due_months(stored, indicator)),
        direction="ascendente" if indicator.direction.value == "ascending" else "descendente",
        kind={"ratio": "porcentaje", "count": "absoluto", "score": "calificación"}.get(
            indicator.kind.value, indicator.kind.value),
        accumulation=accumulation, thresholds=service.thresholds_for(stored, code),
        office_indicator=indicator.office_indicator, months=tuple(months),
        period=_figures(service.find_node(tree, stored, code),
                        _variables(by_key, keys, list(period.months), indicator)),
        year_to_date=_figures(service.find_node(trees["ytd"], stored, code),
                              _variables(by_key, keys, list(range(1, period.last + 1)),
                                         indicator)),
        modifications=tuple(stored.targets.in_force(code, period.months)),
        notes=tuple(notes),
        corrections=tuple(_corrections(keys, by_key, period, deadline_ends)),
    )  # fmt: skip


def _figures(node: Result, variables: tuple[float | None, ...]) -> Figures:
    return Figures(node.programmed, node.achieved, node.score, node.colour, *variables)


def _values(row: CaptureHistory) -> tuple[float | None, float | None, float | None]:
    return (row.numerator, row.denominator, row.value)


def _variables(
    by_key: dict[Key, list[CaptureHistory]],
    keys: Sequence[Key],
    months: Sequence[int],
    indicator: Indicator,
) -> tuple[float | None, float | None, float | None]:
    """The variables over some months, summed across offices; an accumulated one is summed
    over the months, one that is not takes its last captured month."""
    acc = indicator.accumulation
    out: list[float | None] = []
    for slot, summed in enumerate((acc.numerator, acc.denominator, acc.value)):
        per_month: dict[int, float] = {}
        for key in keys:
            rows = by_key[key]
            figure = _values(rows[-1])[slot] if rows[-1].change != "cleared" else None
            if key[2] in months and figure is not None:
                per_month[key[2]] = per_month.get(key[2], 0.0) + figure
        if not per_month:
            out.append(None)
        else:
            out.append(sum(per_month.values()) if summed else per_month[max(per_month)])
    return out[0], out[1], out[2]


def _corrections(
    keys: Sequence[Key],
    by_key: dict[Key, list[CaptureHistory]],
    period: Period,
    deadline_ends: dict[int, dt.datetime],
) -> Iterable[Correction]:
    for key in sorted(keys, key=lambda k: (k[2], k[1])):
        if key[2] not in period.months or key[2] not in deadline_ends:
            continue
        end = deadline_ends[key[2]]
        rows = by_key[key]
        before = [r for r in rows if r.seen_at < end]
        last = rows[-1]
        if before and _values(before[-1]) != _values(last) and last.seen_at >= end:
            yield Correction(key[2], key[1], _values(before[-1]), _values(last),
                             last.seen_at.astimezone(end.tzinfo))  # fmt: skip


def _completeness(
    stored: StoredProgramme,
    period: Period,
    as_of: dt.date,
    node: Result,
    by_key: dict[Key, list[CaptureHistory]],
    deadline_ends: dict[int, dt.datetime],
) -> Iterable[Completeness]:
    """Per unit holding indicators (offices each on their own line)."""
    cat = stored.catalogue
    offices = [u.code for u in cat.units if u.kind.value == "office"]
    counts: dict[str, list[int]] = {}
    wanted = {n.code for n in node.walk() if n.level == "indicator"}
    for indicator in cat.indicators:
        if indicator.code not in wanted:
            continue
        due = sorted(_due_months(stored, indicator) & set(period.months))
        where = [(o, o) for o in offices] if indicator.office_indicator else [("", indicator.unit)]
        for office, holder in where:
            if node.find(holder) is None:
                continue
            tally = counts.setdefault(holder, [0, 0, 0, 0])
            for month in due:
                rows = [r for r in by_key.get((indicator.code, office, month), [])
                        if r.change != "cleared"]  # fmt: skip
                end = deadline_ends.get(month)
                if rows and (end is None or rows[0].seen_at < end):
                    tally[0] += 1
                elif rows:
                    tally[1] += 1
                elif end is not None and as_of >= end.date():
                    tally[2] += 1
                else:
                    tally[3] += 1
    for code, (on_time, late, missing, pending) in counts.items():
        found = cat.unit(code)
        yield Completeness(code, found.name if found else code, on_time, late, missing, pending)
