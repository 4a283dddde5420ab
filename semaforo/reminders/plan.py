"""Which reminders are due at a moment, to whom, about what (pure: no database, no Telegram).

Every reminder belongs to a *moment* of the programme's calendar and is meaningful until the
next moment takes over; a service that was down when a moment passed sends it on start if it is
still meaningful, and skips it otherwise. The moments of month M (all at `hour`, local time):

- due_soon: the 3rd-last business day of M (with the default 3), until last_day;
- last_day: the last business day of M, until overdue;
- overdue and director_digest: the first business day after M's capture deadline, until
  due_soon of the next month;
- weekly: every Monday, for that day only (the next one says the same, updated).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scoring import Catalogue, Gap, Result
from scoring import Kind as IndicatorKind
from semaforo.calendar import capture_deadline, is_business_day
from semaforo.settings import Settings
from semaforo.store.roster import OwnerView


class Kind(enum.StrEnum):
    """What a reminder is for."""

    DUE_SOON = "due_soon"
    LAST_DAY = "last_day"
    OVERDUE = "overdue"
    DIRECTOR_DIGEST = "director_digest"
    WEEKLY = "weekly"


KIND_WORDS = {
    Kind.DUE_SOON: "aviso antes del cierre", Kind.LAST_DAY: "último día hábil",
    Kind.OVERDUE: "captura vencida", Kind.DIRECTOR_DIGEST: "resumen a dirección",
    Kind.WEEKLY: "resumen semanal a planeación",
}  # fmt: skip
"""How each kind is named to people (Spanish)."""


@dataclass(frozen=True, slots=True)
class Timing:
    """When reminders go out; every value is a setting with this default."""

    days_before: int = 3
    hour: int = 9
    weekly_weekday: int = 0  # Monday
    deadline_business_days: int = 5


@dataclass(frozen=True, slots=True)
class Moment:
    """One reminder moment: its kind, the period it is about, from when until when it holds."""

    kind: Kind
    period: str  # 2019-03, or 2019-W12 for the weekly digest
    month: int  # the programme month it is about (the month of the Monday for weekly)
    at: dt.datetime
    until: dt.datetime


def last_business_days(year: int, month: int, count: int) -> list[dt.date]:
    """The last `count` business days of a month, earliest first."""
    day = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    found: list[dt.date] = []
    while len(found) < count and day.month == month:
        if is_business_day(day):
            found.append(day)
        day -= dt.timedelta(days=1)
    return found[::-1]


def next_business_day(day: dt.date) -> dt.date:
    """The first business day after `day`."""
    day += dt.timedelta(days=1)
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def moments(year: int, timing: Timing, tz: ZoneInfo) -> list[Moment]:
    """Every reminder moment of a programme year, in time order."""

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(timing.hour), tzinfo=tz)

    def due_soon(y: int, m: int) -> dt.datetime:
        return at(last_business_days(y, m, max(timing.days_before, 1))[0])

    found: list[Moment] = []
    for month in range(1, 13):
        period = f"{year}-{month:02d}"
        soon, last = due_soon(year, month), at(last_business_days(year, month, 1)[0])
        late = at(next_business_day(capture_deadline(year, month, timing.deadline_business_days)))
        following = due_soon(year + month // 12, month % 12 + 1)
        found += [
            Moment(Kind.DUE_SOON, period, month, soon, last),
            Moment(Kind.LAST_DAY, period, month, last, late),
            Moment(Kind.OVERDUE, period, month, late, max(following, late + dt.timedelta(days=1))),
            Moment(Kind.DIRECTOR_DIGEST, period, month, late,
                   max(following, late + dt.timedelta(days=1))),
        ]  # fmt: skip
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day.weekday() == timing.weekly_weekday:
            week = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
            start = at(day)
            found.append(Moment(Kind.WEEKLY, week, day.month, start, start + dt.timedelta(days=1)))
        day += dt.timedelta(days=1)
    return sorted(found, key=lambda m: (m.at, m.kind.value))


def active(all_moments: Iterable[Moment], now: dt.datetime) -> list[Moment]:
    """The moments that hold at `now` (reached, not yet superseded)."""
    return [m for m in all_moments if m.at <= now < m.until]


@dataclass(frozen=True, slots=True)
class Item:
    """One indicator (of one office) that an owner still has to capture."""

    indicator: str
    office: str
    name: str
    target: float | None
    measure: str
    deadline: dt.date
    link: str = ""

    @property
    def label(self) -> str:
        """`2.3.1`, or `10.1·OR-09` for an office's indicator."""
        return f"{self.indicator}·{self.office}" if self.office else self.indicator


@dataclass(frozen=True, slots=True)
class UnitCount:
    """Completeness of one unit in a digest: captured, due and missing indicator-months."""

    code: str
    name: str
    captured: int
    due: int
    missing: int


@dataclass(frozen=True, slots=True)
class Reminder:
    """One message to one owner; (owner, kind, period) is its key in the ledger."""

    owner: OwnerView
    kind: Kind
    period: str
    month: int
    items: tuple[Item, ...] = ()
    units: tuple[UnitCount, ...] = ()
    deadline: dt.date | None = None
    """The month's capture deadline (for digests, which list units rather than items)."""
    unreachable: tuple[str, ...] = ()
    """Digests: the people reminders cannot reach («Sin contacto»), by name."""

    @property
    def key(self) -> tuple[int, str, str]:
        """The ledger's unique key."""
        return (self.owner.id, self.kind.value, self.period)


Links = Mapping[tuple[int, str, str], str]
"""(month, indicator, office) → a link opening the workbook at that row."""


def plan(
    moment: Moment,
    *,
    catalogue: Catalogue,
    month_tree: Result,
    owners: list[OwnerView],
    links: Links,
    ytd_tree: Result | None = None,
) -> list[Reminder]:
    """The reminders of one moment. `month_tree` is the month's result as known now; the weekly
    digest reads `ytd_tree` (year to date)."""
    reachable = [o for o in owners if o.telegram_id is not None]
    if moment.kind is Kind.WEEKLY:
        tree = ytd_tree or month_tree
        units = _completeness(tree.children)
        return [
            Reminder(o, moment.kind, moment.period, moment.month, units=units,
                     unreachable=out_of_reach(owners))
            for o in reachable if o.role == "planning"
        ]  # fmt: skip
    if moment.kind is Kind.DIRECTOR_DIGEST:
        return _director_digests(moment, month_tree, owners, catalogue)
    gaps = month_tree.missing if moment.kind is Kind.OVERDUE else [
        *month_tree.missing, *month_tree.pending]  # fmt: skip
    by_owner: dict[int, list[Item]] = {}
    for gap in gaps:
        item = _item(gap, catalogue, links)
        for owner in responsible(catalogue, reachable, gap):
            by_owner.setdefault(owner.id, []).append(item)
    return [
        Reminder(o, moment.kind, moment.period, moment.month, items=tuple(by_owner[o.id]))
        for o in reachable if o.id in by_owner
    ]  # fmt: skip


def responsible(catalogue: Catalogue, owners: list[OwnerView], gap: Gap) -> list[OwnerView]:
    """Who captures a gap: the owners (capture or director) of its unit, or of the nearest unit
    up that has any; an office indicator belongs to its office."""
    indicator = catalogue.indicator(gap.indicator)
    unit: str | None = gap.office or (indicator.unit if indicator else None)
    while unit is not None:
        found = [o for o in owners if unit in o.units and o.role != "planning"]
        if found:
            return found
        parent = catalogue.unit(unit)
        unit = parent.parent if parent else None
    return []


def _item(gap: Gap, catalogue: Catalogue, links: Links) -> Item:
    indicator = catalogue.indicator(gap.indicator)
    plan_ = catalogue.plan_for(indicator, gap.office).get(gap.month) if indicator else None
    return Item(
        indicator=gap.indicator, office=gap.office,
        name=indicator.name if indicator else gap.indicator,
        target=plan_.target if plan_ else None,
        measure="percent" if indicator and indicator.kind is IndicatorKind.RATIO else "",
        deadline=gap.deadline,
        link=links.get((gap.month, gap.indicator, gap.office), ""),
    )  # fmt: skip


def out_of_reach(owners: Iterable[OwnerView]) -> tuple[str, ...]:
    """The names of the people no reminder reaches: no Telegram account yet, or marked
    unreachable (they blocked the bot or never opened it)."""
    return tuple(o.name for o in owners if o.telegram_id is None or o.unreachable)


def _director_digests(
    moment: Moment, tree: Result, owners: list[OwnerView], catalogue: Catalogue
) -> list[Reminder]:
    """One digest per director: their units (and below) with something missing, and who of the
    people of those units cannot be reached."""
    deadline = min((g.deadline for g in tree.missing), default=None)
    parents = {u.code: u.parent for u in catalogue.units}
    out: list[Reminder] = []
    for owner in (o for o in owners if o.role == "director" and o.telegram_id is not None):
        units = tuple(c for c in _completeness(_units_under(tree, owner.units)) if c.missing)
        if not units:
            continue
        theirs = [o for o in owners if o.id != owner.id and o.role != "planning"
                  and any(_within(parents, u, owner.units) for u in o.units)]  # fmt: skip
        out.append(Reminder(owner, moment.kind, moment.period, moment.month, units=units,
                            deadline=deadline, unreachable=out_of_reach(theirs)))  # fmt: skip
    return out


def _within(parents: Mapping[str, str | None], code: str, roots: Iterable[str]) -> bool:
    """Whether a unit is one of `roots` or lies below one of them (`parents`: unit → parent)."""
    current: str | None = code
    while current is not None:
        if current in roots:
            return True
        current = parents.get(current)
    return False


def _units_under(tree: Result, roots: Iterable[str]) -> list[Result]:
    """The unit nodes at or below the given codes, each once."""
    wanted = set(roots)
    found = {
        (d.code, d.office): d
        for n in tree.walk() if n.code in wanted and n.level != "indicator"
        for d in n.walk() if d.level != "indicator"
    }  # fmt: skip
    return list(found.values())


def _completeness(nodes: Iterable[Result]) -> tuple[UnitCount, ...]:
    """Captured / due / missing indicator-months of each unit node."""
    counts = []
    for node in nodes:
        due = sum(len(d.due_months) for d in node.walk() if d.level == "indicator")
        empty = len(node.missing) + len(node.pending)
        counts.append(UnitCount(node.code, node.name, max(due - empty, 0), due, len(node.missing)))
    return tuple(counts)


def timing_from(settings: Settings, deadline_business_days: int) -> Timing:
    """The reminder timetable from the settings."""
    return Timing(
        days_before=settings.reminder_days_before,
        hour=settings.reminder_hour,
        weekly_weekday=settings.weekly_digest_weekday,
        deadline_business_days=deadline_business_days,
    )
