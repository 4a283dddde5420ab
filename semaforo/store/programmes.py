"""The programme as stored: its catalogue saved and read back as `scoring` dataclasses,
its change stamp, and the plans and settings edited in the workbook's «Catálogo» tab or
modified with `semaforo catalogue modify`.

Every function takes the session of the caller's transaction as a keyword argument.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete, select

from scoring import (
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
from semaforo.catalogue.files import IndicatorText, ProgrammeFile, StoredProgramme
from semaforo.errors import TargetNotModified
from semaforo.store import models, target_changes
from semaforo.targets import MonthEdit, TargetBook, TargetChange, month_edits


def programme_exists(*, session: Session, programme_id: str) -> bool:
    """Whether the programme's catalogue has been loaded."""
    return session.get(models.Programme, programme_id) is not None


def save_programme(*, session: Session, programme: ProgrammeFile) -> None:
    """Write (or rewrite) a programme's catalogue; captures and office targets are kept."""
    cat = programme.catalogue
    row = session.get(models.Programme, programme.id) or models.Programme(
        id=programme.id, name=cat.name, year=cat.year
    )
    row.name, row.year, row.institution = cat.name, cat.year, programme.institution
    row.timezone, row.cap = programme.timezone, cat.cap
    row.deadline_business_days = programme.deadline_business_days
    row.threshold_yellow = cat.thresholds.yellow
    row.threshold_green = cat.thresholds.green
    row.threshold_exceeded = cat.thresholds.exceeded
    row.loaded_at = models.utcnow()
    session.add(row)
    session.flush()
    pid = programme.id
    central = [i.code for i in cat.indicators if not i.office_indicator]
    session.exec(delete(models.Unit).where(col(models.Unit.programme_id) == pid))
    session.exec(delete(models.Indicator).where(col(models.Indicator.programme_id) == pid))
    session.exec(
        delete(models.MonthTarget).where(
            col(models.MonthTarget.programme_id) == pid,
            col(models.MonthTarget.indicator_code).in_(central),
        )
    )
    for unit in cat.units:
        session.add(models.Unit(
            programme_id=pid, code=unit.code, name=unit.name, kind=unit.kind.value,
            parent_code=unit.parent, source_line=programme.unit_lines.get(unit.code),
        ))  # fmt: skip
    for ind in cat.indicators:
        session.add(_indicator_row(pid, ind, programme.texts.get(ind.code, IndicatorText())))
        for month, plan in ind.months.items():
            session.add(models.MonthTarget(
                programme_id=pid, indicator_code=ind.code, month=month,
                target=plan.target, weight=plan.weight, share=plan.share,
                approved_target=plan.target, approved_weight=plan.weight,
            ))  # fmt: skip
    session.flush()


def _indicator_row(pid: str, ind: Indicator, text: IndicatorText) -> models.Indicator:
    thr = ind.thresholds
    return models.Indicator(
        programme_id=pid, code=ind.code, unit_code=ind.unit, name=ind.name,
        description=text.description, formula=text.formula, kind=ind.kind.value,
        direction=ind.direction.value, strategic=ind.strategic,
        office_indicator=ind.office_indicator, annual_target=ind.annual_target,
        annual_weight=ind.annual_weight, measure=ind.measure,
        accumulate_numerator=ind.accumulation.numerator,
        accumulate_denominator=ind.accumulation.denominator,
        accumulate_value=ind.accumulation.value,
        threshold_yellow=thr.yellow if thr else None,
        threshold_green=thr.green if thr else None,
        threshold_exceeded=thr.exceeded if thr else None,
        interpretation="\n".join(text.interpretation),
    )  # fmt: skip


def programme_stamp(*, session: Session, programme_id: str) -> dt.datetime | None:
    """When the programme's catalogue last changed (None if never loaded): one cheap query."""
    return session.exec(
        select(models.Programme.loaded_at).where(models.Programme.id == programme_id)
    ).first()


def touch_programme(*, session: Session, programme_id: str) -> None:
    """Mark the catalogue as changed (targets or settings edited in the workbook)."""
    row = session.get(models.Programme, programme_id)
    if row is not None:
        row.loaded_at = max(
            models.utcnow(), models.aware(row.loaded_at) + dt.timedelta(microseconds=1)
        )
        session.add(row)


def read_programme(*, session: Session, programme_id: str) -> StoredProgramme | None:
    """The stored programme as scoring dataclasses, or None if it was never loaded."""
    row = session.get(models.Programme, programme_id)
    if row is None:
        return None
    units = session.exec(
        select(models.Unit)
        .where(models.Unit.programme_id == programme_id)
        .order_by(col(models.Unit.id))
    ).all()
    ind_rows = session.exec(
        select(models.Indicator)
        .where(models.Indicator.programme_id == programme_id)
        .order_by(col(models.Indicator.id))
    ).all()
    central: dict[str, dict[int, MonthPlan]] = defaultdict(dict)
    office: dict[str, dict[str, dict[int, MonthPlan]]] = defaultdict(lambda: defaultdict(dict))
    modified: set[tuple[str, str, int]] = set()
    for t in session.exec(
        select(models.MonthTarget).where(models.MonthTarget.programme_id == programme_id)
    ):
        if (t.target, t.weight) != (t.approved_target, t.approved_weight):
            modified.add((t.indicator_code, t.office_code, t.month))
        if t.target is None or t.weight is None:
            continue  # a modification left the month not due
        plan = MonthPlan(target=t.target, weight=t.weight, share=t.share)
        central[t.indicator_code][t.month] = plan
        office[t.indicator_code][t.office_code][t.month] = plan
    indicators = tuple(_indicator(r, dict(sorted(central[r.code].items()))) for r in ind_rows)
    catalogue = Catalogue(
        programme=row.id, name=row.name, year=row.year,
        units=tuple(
            Unit(code=u.code, name=u.name, kind=UnitKind(u.kind), parent=u.parent_code)
            for u in units
        ),
        indicators=indicators,
        thresholds=Thresholds(row.threshold_yellow, row.threshold_green, row.threshold_exceeded),
        cap=row.cap,
        office_months={
            i.code: {o: dict(p) for o, p in office[i.code].items()}
            for i in indicators if i.office_indicator
        },
    )  # fmt: skip
    texts = {
        r.code: IndicatorText(
            description=r.description, formula=r.formula,
            interpretation=tuple(r.interpretation.splitlines()),
        )
        for r in ind_rows
    }  # fmt: skip
    return StoredProgramme(
        id=row.id, catalogue=catalogue, institution=row.institution, timezone=row.timezone,
        deadline_business_days=row.deadline_business_days, texts=texts,
        targets=TargetBook(
            tuple(
                replace(c, changed_at=c.changed_at.astimezone(ZoneInfo(row.timezone)))
                for c in target_changes.target_changes(session=session, programme_id=programme_id)
            ),  # when each was made, as the programme's people read dates
            frozenset(modified),
        ),
    )  # fmt: skip


def _indicator(r: models.Indicator, months: dict[int, MonthPlan]) -> Indicator:
    thresholds = None
    if r.threshold_yellow is not None and r.threshold_green is not None:
        thresholds = Thresholds(
            r.threshold_yellow, r.threshold_green, r.threshold_exceeded or 116.0
        )
    return Indicator(
        code=r.code, unit=r.unit_code, name=r.name, kind=Kind(r.kind),
        direction=Direction(r.direction), months={} if r.office_indicator else months,
        annual_target=r.annual_target, annual_weight=r.annual_weight, strategic=r.strategic,
        accumulation=Accumulation(
            r.accumulate_numerator, r.accumulate_denominator, r.accumulate_value
        ),
        thresholds=thresholds, office_indicator=r.office_indicator, measure=r.measure,
    )  # fmt: skip


def apply_plans(
    *,
    session: Session,
    programme_id: str,
    plans: Mapping[tuple[str, str], Mapping[int, MonthPlan]],
    reasons: Mapping[tuple[str, str], str] | None = None,
    source: str = "sheet",
    at: dt.datetime | None = None,
) -> int:
    """Set the months of each (indicator, office) as the workbook gives them: a month with no
    approved target is approved; a changed approved month is modified with its row's reason
    (the parse refused the rows without one) and recorded. How many rows changed."""
    stored = target_changes.month_rows(session=session, programme_id=programme_id)
    moment = at or models.utcnow()
    changed = 0
    for key, months in plans.items():
        rows = stored.get(key, {})
        current = {m: p for m, r in rows.items() if (p := target_changes.in_force(r)) is not None}
        withdrawn = [m for m in rows if m not in current]
        edits = month_edits(current, months, withdrawn)
        if not edits:
            continue
        target_changes.edit_row(
            session=session, programme_id=programme_id, key=key, stored=rows, edits=edits,
            reason=(reasons or {}).get(key, ""), source=source, at=moment,
        )  # fmt: skip
        changed += 1
    if changed:
        touch_programme(session=session, programme_id=programme_id)
    session.flush()
    return changed


def modify_month(
    *,
    session: Session,
    programme_id: str,
    key: tuple[str, str],
    month: int,
    plan: MonthPlan,
    reason: str,
    source: str,
    at: dt.datetime,
) -> TargetChange:
    """Modify one approved month's target and weight in force (`semaforo catalogue modify`)."""
    rows = target_changes.month_rows(session=session, programme_id=programme_id,
                                     indicator=key[0]).get(key, {})  # fmt: skip
    row = rows.get(month)
    if row is None:
        raise TargetNotModified(f"{key[0]} no tiene meta aprobada en el mes {month}")
    before = target_changes.in_force(row)
    edit = MonthEdit(month, before, plan, approved=True)
    [change] = target_changes.edit_row(
        session=session, programme_id=programme_id, key=key, stored=rows, edits=[edit],
        reason=reason, source=source, at=at,
    )  # fmt: skip
    touch_programme(session=session, programme_id=programme_id)
    return change


def apply_indicator_settings(
    *,
    session: Session,
    programme_id: str,
    thresholds: Mapping[str, Thresholds | None],
    kinds: Mapping[str, Kind],
) -> int:
    """Set indicators' own thresholds and office indicators' kind where they changed."""
    changed = 0
    for row in session.exec(
        select(models.Indicator).where(models.Indicator.programme_id == programme_id)
    ):
        updates: dict[str, object] = {}
        if row.code in thresholds:
            t = thresholds[row.code]
            values = (t.yellow, t.green, t.exceeded) if t else (None, None, None)
            if values != (row.threshold_yellow, row.threshold_green, row.threshold_exceeded):
                updates |= dict(zip(
                    ("threshold_yellow", "threshold_green", "threshold_exceeded"), values,
                    strict=True,
                ))  # fmt: skip
        kind = kinds.get(row.code)
        if kind is not None and kind.value != row.kind:
            updates["kind"] = kind.value
        if updates:
            for name, value in updates.items():
                setattr(row, name, value)
            session.add(row)
            changed += 1
    if changed:
        touch_programme(session=session, programme_id=programme_id)
    session.flush()
    return changed
