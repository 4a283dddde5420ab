"""What the CLI and the bot ask for: load a catalogue, import captures, tell a status.

Each function opens its own transaction on the engine it is given; none keeps state.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass
from statistics import fmean
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from scoring import (
    INSTITUTION,
    Colour,
    Period,
    Result,
    Thresholds,
    colour_of,
    evaluate,
    parse_period,
)
from semaforo.calendar import deadlines_for_year
from semaforo.captures_csv import ParsedCaptures, parse_captures
from semaforo.catalogue.check import check, has_errors
from semaforo.catalogue.files import Finding, StoredProgramme, load_programme
from semaforo.codes import nearest_codes, normalise_code
from semaforo.errors import CatalogueNotValid, UnknownCode
from semaforo.store import captures, programmes
from semaforo.store.captures import ApplyStats
from semaforo.store.engine import transaction


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
    """The answer to `status`: the node asked about, for which period, as known when."""

    programme: StoredProgramme
    node: Result
    period: Period
    as_of: dt.date


def today(stored: StoredProgramme) -> dt.date:
    """Today in the programme's time zone."""
    return dt.datetime.now(ZoneInfo(stored.timezone)).date()


def default_period(year: int, as_of: dt.date) -> Period:
    """Year-to-date through the as-of month; the whole year once it is over."""
    if as_of.year > year:
        return Period.whole_year(year)
    if as_of.year < year:
        return Period.month(year, 1)
    return Period.year_to_date(year, as_of.month)


def status(
    engine: Engine,
    programme_id: str,
    *,
    code: str | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
) -> StatusAnswer:
    """The standing of the institution (no code), a unit or an indicator over a period."""
    stored = programme(engine, programme_id)
    cat = stored.catalogue
    moment = as_of or today(stored)
    as_of_month = moment.month if moment.year == cat.year else 12
    chosen = (
        parse_period(period, programme_year=cat.year, as_of_month=as_of_month)
        if period
        else default_period(cat.year, moment)
    )
    with transaction(engine) as session:
        captured = captures.read_captures(session=session, programme_id=programme_id, year=cat.year)
    tree = evaluate(
        cat,
        captured,
        period=chosen,
        as_of=moment,
        deadlines=deadlines_for_year(cat.year, stored.deadline_business_days),
    )
    node = tree if not code else find_node(tree, stored, normalise_code(code))
    return StatusAnswer(programme=stored, node=node, period=chosen, as_of=moment)


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
