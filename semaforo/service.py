"""What the CLI and the bot ask for: load a catalogue, import captures, tell a status.

Each function opens its own transaction on the engine it is given; none keeps state.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from statistics import fmean
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from scoring import (
    INSTITUTION,
    Colour,
    Coverage,
    Indicator,
    MonthPlan,
    Period,
    PeriodError,
    Result,
    Thresholds,
    colour_of,
    coverage,
    evaluate,
    last_closed_month,
    parse_period,
)
from semaforo.calendar import deadlines_for_year
from semaforo.captures_csv import ParsedCaptures, parse_captures
from semaforo.catalogue.check import check, has_errors
from semaforo.catalogue.files import Finding, StoredProgramme, load_programme
from semaforo.codes import nearest_codes, normalise_code
from semaforo.errors import CatalogueNotValid, TargetNotModified, UnknownCode
from semaforo.formatting import figure, words
from semaforo.store import captures, programmes
from semaforo.store.captures import ApplyStats
from semaforo.store.engine import transaction
from semaforo.targets import COMMAND, RowKey, TargetChange, same
from semaforo.values import Number, parse_number


def load_catalogue(engine: Engine, programme_id: str) -> list[Finding]:
    """Check the bundled catalogue and write it to the database unless it has errors."""
    programme = load_programme(programme_id)
    findings = check(programme)
    if has_errors(findings):
        errors = "; ".join(f"{f.code}: {f.message}" for f in findings if f.severity == "error")
        raise CatalogueNotValid(f"el catálogo {programme_id} tiene errores: {errors}")
    with transaction(engine) as session:
        programmes.save_programme(session=session, programme=programme)
    return findings


_CACHE: weakref.WeakKeyDictionary[Engine, dict[str, tuple[dt.datetime, StoredProgramme]]] = (
    weakref.WeakKeyDictionary()
)
_CACHE_LOCK = threading.Lock()


def programme(engine: Engine, programme_id: str) -> StoredProgramme:
    """The stored programme, loading the bundled catalogue first if it was never loaded.

    Kept in memory per engine and re-read only when its stamp changes (a catalogue load or a
    workbook edit of targets or settings): reading ~1,000 rows on every bot command was most
    of a `/status` (bench/README.md).
    """
    with transaction(engine) as session:
        stamp = programmes.programme_stamp(session=session, programme_id=programme_id)
    if stamp is None:
        load_catalogue(engine, programme_id)
        with transaction(engine) as session:
            stamp = programmes.programme_stamp(session=session, programme_id=programme_id)
    assert stamp is not None
    with _CACHE_LOCK:
        hit = _CACHE.get(engine, {}).get(programme_id)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with transaction(engine) as session:
        stored = programmes.read_programme(session=session, programme_id=programme_id)
    assert stored is not None
    with _CACHE_LOCK:
        _CACHE.setdefault(engine, {})[programme_id] = (stamp, stored)
    return stored


def import_captures(
    engine: Engine, programme_id: str, text: str, *, source: str
) -> tuple[ParsedCaptures, ApplyStats]:
    """Import the valid rows of a capture CSV in one transaction; report the rest by line."""
    stored = programme(engine, programme_id)
    parsed = parse_captures(text, stored.catalogue)
    with transaction(engine) as session:
        stats = captures.apply_captures(
            session=session, programme_id=programme_id, rows=parsed.rows, source=source
        )
    return parsed, stats


@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """The answer to `status`: the node asked about, for which period, as known when, and
    which of the period's months count (rule 4)."""

    programme: StoredProgramme
    node: Result
    period: Period
    as_of: dt.date
    coverage: Coverage | None = None
    known_at: dt.datetime | None = None
    """The moment the captures were taken as of; None: the latest."""
    modifications: tuple[TargetChange, ...] = ()
    """An indicator's modified targets in force in the period: approved, in force, why."""


def today(stored: StoredProgramme) -> dt.date:
    """Today in the programme's time zone."""
    return dt.datetime.now(ZoneInfo(stored.timezone)).date()


def default_period(year: int, as_of: dt.date, deadlines: Mapping[int, dt.date]) -> Period:
    """Rule 4: the year to date through the last closed month (on 10 April 2019, January to
    March); the whole year once December is closed. Before any month closes, the month in
    capture (January), scored as one month."""
    if as_of.year < year:
        return Period.month(year, 1)
    last = last_closed_month(year, as_of=as_of, deadlines=deadlines)
    if last == 12:
        return Period.whole_year(year)
    if last == 0:
        return Period.month(year, as_of.month if as_of.year == year else 1)
    return Period.year_to_date(year, last)


def status(
    engine: Engine,
    programme_id: str,
    *,
    code: str | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> StatusAnswer:
    """The standing of the institution (no code), a unit or an indicator over a period.

    `as_of` decides what is due, pending or missing (deadlines, closed months); `known_at`
    which captures count: each as it stood at that moment, from the history (None: the
    latest). `known_at` alone also sets `as_of` to its date in the programme's time zone, so
    `--known-at 2019-04-05` is the view on that day; a deadline view is both at the deadline.
    """
    stored = programme(engine, programme_id)
    cat = stored.catalogue
    if known_at is not None and known_at.tzinfo is None:
        known_at = known_at.replace(tzinfo=ZoneInfo(stored.timezone))
    if as_of is None and known_at is not None:
        as_of = known_at.astimezone(ZoneInfo(stored.timezone)).date()
    moment = as_of or today(stored)
    as_of_month = moment.month if moment.year == cat.year else 12
    deadlines = deadlines_for_year(cat.year, stored.deadline_business_days)
    chosen = (
        parse_period(period, programme_year=cat.year, as_of_month=as_of_month)
        if period
        else default_period(cat.year, moment, deadlines)
    )
    with transaction(engine) as session:
        captured = captures.read_captures(
            session=session, programme_id=programme_id, year=cat.year, known_at=known_at
        )
    tree = evaluate(cat, captured, period=chosen, as_of=moment, deadlines=deadlines)
    node = tree if not code else find_node(tree, stored, normalise_code(code))
    modified = (
        stored.targets.in_force(node.code, chosen.months) if node.level == "indicator" else []
    )
    return StatusAnswer(
        programme=stored, node=node, period=chosen, as_of=moment,
        coverage=coverage(chosen, as_of=moment, deadlines=deadlines), known_at=known_at,
        modifications=tuple(modified),
    )  # fmt: skip


def modify_target(
    engine: Engine,
    programme_id: str,
    *,
    code: str,
    month: str,
    target: str,
    weight: str | None = None,
    reason: str,
    office: str = "",
    at: dt.datetime | None = None,
) -> TargetChange:
    """Modify an approved month's target (and weight) in force, with a reason; the approved
    ones are kept and the modification recorded, as the «Catálogo» tab does. The texts are as
    a person typed them (`mar`, `90`, `12.5`)."""
    stored = programme(engine, programme_id)
    indicator, key = _target_row(stored, code, office)
    when = _one_month(month, stored.catalogue.year)
    current = _row_plan(stored, key)
    if when not in current and when not in stored.targets.withdrawn(*key):
        raise TargetNotModified(
            f"{indicator.code} no tiene meta aprobada en {_month_words(when, stored)}: una meta "
            "nueva se aprueba en la pestaña «Catálogo» del libro"
        )
    if not reason.strip():
        raise TargetNotModified("falta el motivo de la modificación (--reason «…»)")
    in_force = current.get(when)
    withdrawn = stored.targets.latest(*key, when)  # a month left not due: its approved weight
    kept = in_force.weight if in_force else (withdrawn.approved.weight if withdrawn else 0.0)
    plan = MonthPlan(
        _figure(target, "la meta", positive=True),
        kept if weight is None else _figure(weight, "la ponderación"),
    )
    if same(current.get(when), plan):
        raise TargetNotModified(
            f"la meta vigente de {_month_words(when, stored)} ya es {figure(plan.target)} con "
            f"ponderación {figure(plan.weight)}: nada que modificar"
        )
    with transaction(engine) as session:
        change = programmes.modify_month(
            session=session, programme_id=programme_id, key=key, month=when, plan=plan,
            reason=reason, source=COMMAND, at=at or dt.datetime.now(dt.UTC),
        )  # fmt: skip
    return replace(change, changed_at=change.changed_at.astimezone(ZoneInfo(stored.timezone)))


def _target_row(stored: StoredProgramme, code: str, office: str) -> tuple[Indicator, RowKey]:
    """The indicator and its row of targets (office '' for central or every office)."""
    cat = stored.catalogue
    wanted, where = normalise_code(code), office.strip().upper()
    indicator = cat.indicator(wanted)
    if indicator is None:
        if cat.unit(wanted) is not None:
            raise TargetNotModified(f"«{wanted}» es una unidad: las metas son de sus indicadores")
        known = [i.code for i in cat.indicators]
        raise UnknownCode(wanted, nearest_codes(wanted, known))
    if where and not indicator.office_indicator:
        raise TargetNotModified(f"{wanted} es un indicador central: sus metas no llevan oficina")
    if where and where not in cat.office_months.get(wanted, {}):
        raise TargetNotModified(
            f"{where} no tiene metas propias de {wanted} (sigue las de todas las oficinas): "
            "modifíquelas sin oficina"
        )
    return indicator, (wanted, where)


def _row_plan(stored: StoredProgramme, key: RowKey) -> dict[int, MonthPlan]:
    indicator = stored.catalogue.indicator(key[0])
    if indicator is not None and not indicator.office_indicator:
        return dict(indicator.months)
    return dict(stored.catalogue.office_months.get(key[0], {}).get(key[1], {}))


def _one_month(text: str, year: int) -> int:
    try:
        period = parse_period(text, programme_year=year)
    except PeriodError:
        period = None
    if period is None or not period.is_single_month or period.year != year:
        raise TargetNotModified(f"«{text}» no es un mes de {year}: escriba p. ej. mar, marzo o "
                                f"{year}-03")  # fmt: skip
    return period.first


def _figure(text: str, what: str, *, positive: bool = False) -> float:
    parsed = parse_number(text)
    if not isinstance(parsed, Number):
        why = parsed.reason if parsed is not None else "está vacía"
        raise TargetNotModified(f"{what} «{text}» no se puede leer: {why}")
    if parsed.value < 0 or (positive and parsed.value == 0):
        raise TargetNotModified(
            f"{what} «{text}» debe ser mayor que 0" if positive else f"{what} «{text}» es negativa"
        )
    return parsed.value


def _month_words(month: int, stored: StoredProgramme) -> str:
    return f"{words('es')['months'][month - 1]} de {stored.catalogue.year}"


def find_node(tree: Result, stored: StoredProgramme, code: str) -> Result:
    """The node for a code in an evaluated tree; an office indicator is averaged over the
    offices. UnknownCode (with the nearest codes) if the programme has no such code."""
    if code in ("", "INM", INSTITUTION):
        return tree
    indicator = stored.catalogue.indicator(code)
    if indicator is not None and indicator.office_indicator:
        return _office_indicator_node(tree, code, indicator.name, stored)
    node = tree.find(code)
    if node is None:
        known = [u.code for u in stored.catalogue.units] + [
            i.code for i in stored.catalogue.indicators
        ]
        raise UnknownCode(code, nearest_codes(code, known))
    return node


def _office_indicator_node(tree: Result, code: str, name: str, stored: StoredProgramme) -> Result:
    """An office indicator across the offices: one child per office, their simple average."""
    per_office = [r for r in tree.walk() if r.code == code and r.office]
    scored = [r.score for r in per_office if r.score is not None]
    score = fmean(min(s, stored.catalogue.cap) for s in scored) if scored else None
    colour = (
        colour_of(score, thresholds_for(stored, code))
        if score is not None
        else (Colour.PENDING if any(r.pending or r.missing for r in per_office) else Colour.NONE)
    )
    return Result(
        code=code, name=name, level="indicator", score=score, colour=colour,
        children=per_office,
        pending=[g for r in per_office for g in r.pending],
        missing=[g for r in per_office for g in r.missing],
    )  # fmt: skip


def thresholds_for(stored: StoredProgramme, code: str) -> Thresholds:
    """An indicator's own traffic-light bands, else the programme's."""
    indicator = stored.catalogue.indicator(code)
    own = indicator.thresholds if indicator is not None else None
    return own or stored.catalogue.thresholds
