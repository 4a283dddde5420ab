"""What a registered person may ask (the bot's service): each function checks who may see what,
then asks `semaforo.service`. Plain data in and out; no Telegram here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from scoring import Coverage, Gap, Period, Result
from semaforo import service
from semaforo.catalogue.files import StoredProgramme
from semaforo.codes import nearest_codes, normalise_code
from semaforo.errors import SemaforoError
from semaforo.people import owners
from semaforo.people.access import may_see, visible_units
from semaforo.reminders.plan import responsible
from semaforo.service import StatusAnswer
from semaforo.store.roster import OwnerView


class OutOfReach(SemaforoError):
    """A code the person may not see, or that does not exist: the answer is the same for both,
    so the bot never confirms that a unit outside someone's reach exists."""

    def __init__(self, code: str, suggestions: list[str]) -> None:
        self.code = code
        self.suggestions = suggestions
        hint = f" ¿Quiso decir {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No encuentro «{code}» entre lo que usted puede consultar.{hint}")


@dataclass(frozen=True, slots=True)
class Viewer:
    """A registered person and the unit codes they may see (None: everything)."""

    owner: OwnerView
    visible: frozenset[str] | None

    @property
    def sees_everything(self) -> bool:
        """The planning role."""
        return self.visible is None


def viewer(engine: Engine, programme_id: str, telegram_id: int) -> Viewer | None:
    """The registered person behind a Telegram account, with what they may see; None if nobody."""
    owner = owners.identify(engine, programme_id, telegram_id)
    if owner is None:
        return None
    catalogue = service.programme(engine, programme_id).catalogue
    return Viewer(owner, visible_units(catalogue, role=owner.role, units=owner.units))


def home_codes(stored: StoredProgramme, person: Viewer) -> list[str]:
    """Where `/status` with no code starts: the institution for planning, else the person's
    highest units (2.3 and 2.3.1 both listed means just 2.3)."""
    if person.sees_everything:
        return [""]
    units = [u for u in person.owner.units if stored.catalogue.unit(u) is not None]
    return [u for u in units if not any(_is_below(stored, u, other) for other in units)]


def status_for(
    engine: Engine,
    programme_id: str,
    person: Viewer,
    *,
    code: str | None,
    period: str | None,
    as_of: dt.date | None = None,
) -> list[StatusAnswer]:
    """The status of a code the person may see, or of each of their own units."""
    stored = service.programme(engine, programme_id)
    codes = [check_reach(stored, person, code)] if code else home_codes(stored, person)
    return [service.status(engine, programme_id, code=c, period=period, as_of=as_of) for c in codes]


def check_reach(stored: StoredProgramme, person: Viewer, code: str) -> str:
    """The normalised code if the person may see it; OutOfReach (with nearby codes) otherwise."""
    wanted = normalise_code(code)
    if wanted in ("INM", "INSTITUCION", "INSTITUCIÓN"):
        wanted = ""
    cat = stored.catalogue
    exists = wanted == "" or cat.unit(wanted) is not None or cat.indicator(wanted) is not None
    if wanted == "" and person.sees_everything:
        return wanted
    if exists and wanted and may_see(cat, wanted, visible=person.visible):
        return wanted
    reachable = [c for c in _all_codes(stored) if may_see(cat, c, visible=person.visible)]
    raise OutOfReach(code.strip(), nearest_codes(wanted or code, reachable))


def parent_code(stored: StoredProgramme, person: Viewer, code: str) -> str | None:
    """The code one level up, if the person may see it ("" is the institution)."""
    if not code:
        return None
    cat = stored.catalogue
    unit, indicator = cat.unit(code), cat.indicator(code)
    parent = unit.parent if unit is not None else (indicator.unit if indicator else None)
    if parent is None:
        return "" if person.sees_everything else None
    return parent if may_see(cat, parent, visible=person.visible) else None


@dataclass(frozen=True, slots=True)
class OwnedGaps:
    """The due-and-empty months of one owner (or of nobody: owner None)."""

    owner: str | None
    gaps: tuple[Gap, ...]


@dataclass(frozen=True, slots=True)
class PendingAnswer:
    """`/pendientes`: what is due and still empty, grouped by who has to capture it."""

    period: Period
    as_of: dt.date
    scope: tuple[str, ...]
    groups: tuple[OwnedGaps, ...]
    overdue: frozenset[Gap]
    """The gaps past their capture deadline (the rest are still in time)."""


def pending_for(
    engine: Engine,
    programme_id: str,
    person: Viewer,
    *,
    code: str | None,
    as_of: dt.date | None = None,
) -> PendingAnswer:
    """The missing and pending captures under a code (or the person's units), per owner.

    Over the year to date through the month of `as_of`, open months included: what is still in
    capture is what people need to see here (the default period stops at the last closed one).
    """
    answers = status_for(engine, programme_id, person, code=code, period="ytd", as_of=as_of)
    stored = answers[0].programme
    people = owners.list_owners(engine, programme_id)
    by_owner: dict[str | None, list[Gap]] = {}
    for answer in answers:
        for gap in [*answer.node.missing, *answer.node.pending]:
            # the same people the month-end reminders go to
            owners_ = responsible(stored.catalogue, people, gap)
            names: list[str | None] = [o.name for o in owners_] or [None]
            for name in names:
                by_owner.setdefault(name, []).append(gap)
    groups = sorted(by_owner.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    return PendingAnswer(
        period=answers[0].period, as_of=answers[0].as_of,
        scope=tuple(a.node.code for a in answers),
        groups=tuple(OwnedGaps(name, tuple(dict.fromkeys(gaps))) for name, gaps in groups),
        overdue=frozenset(g for a in answers for g in a.node.missing),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Ranking:
    """`/semaforo`: every unit the person may see, best score first."""

    period: Period
    as_of: dt.date
    units: tuple[Result, ...]
    coverage: Coverage | None = None


def ranking_for(
    engine: Engine,
    programme_id: str,
    person: Viewer,
    *,
    period: str | None,
    as_of: dt.date | None = None,
    code: str | None = None,
) -> Ranking:
    """The units the person may see (under `code`, when given), ranked by score (those
    without one last)."""
    wanted = None
    if code:
        wanted = check_reach(service.programme(engine, programme_id), person, code)
    answer = service.status(engine, programme_id, code=wanted, period=period, as_of=as_of)
    cat = answer.programme.catalogue
    units = [
        n for n in answer.node.walk()
        if n.level not in ("institution", "indicator")
        and may_see(cat, n.code, visible=person.visible)
    ]  # fmt: skip
    units.sort(key=lambda n: (n.score is None, -(n.score or 0.0)))
    return Ranking(
        period=answer.period, as_of=answer.as_of, units=tuple(units), coverage=answer.coverage
    )


def _is_below(stored: StoredProgramme, code: str, ancestor: str) -> bool:
    unit = stored.catalogue.unit(code)
    while unit is not None and unit.parent is not None:
        if unit.parent == ancestor:
            return True
        unit = stored.catalogue.unit(unit.parent)
    return False


def _all_codes(stored: StoredProgramme) -> list[str]:
    cat = stored.catalogue
    return [u.code for u in cat.units] + [i.code for i in cat.indicators]
