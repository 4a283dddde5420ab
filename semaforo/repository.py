"""The one place that touches the database. Rows become `scoring` dataclasses here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, delete, select

from scoring import (
    Accumulation,
    Capture,
    Catalogue,
    Direction,
    Indicator,
    Kind,
    MonthPlan,
    Thresholds,
    Unit,
    UnitKind,
)
from semaforo import models
from semaforo.captures_csv import CaptureRow
from semaforo.catalogue import IndicatorText, ProgrammeFile


@dataclass(frozen=True, slots=True)
class StoredProgramme:
    """A programme as the database holds it: what scoring needs plus the settings around it."""

    id: str
    catalogue: Catalogue
    institution: str
    timezone: str
    deadline_business_days: int
    texts: dict[str, IndicatorText] = field(default_factory=dict)


@dataclass(slots=True)
class ApplyStats:
    """What applying a batch of captures changed."""

    created: int = 0
    changed: int = 0
    unchanged: int = 0


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
    for t in session.exec(
        select(models.MonthTarget).where(models.MonthTarget.programme_id == programme_id)
    ):
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


def read_captures(*, session: Session, programme_id: str, year: int) -> list[Capture]:
    """The latest capture of every indicator, office and month of the year, for scoring."""
    rows = session.exec(
        select(models.Capture).where(
            models.Capture.programme_id == programme_id, models.Capture.year == year
        )
    )
    return [
        Capture(
            indicator=r.indicator_code, month=r.month, numerator=r.numerator,
            denominator=r.denominator, value=r.value, office=r.office_code,
        )
        for r in rows
    ]  # fmt: skip


def export_captures(*, session: Session, programme_id: str) -> list[CaptureRow]:
    """Every current capture, in the long format's shape, ordered for reading."""
    rows = session.exec(
        select(models.Capture)
        .where(models.Capture.programme_id == programme_id)
        .order_by(
            col(models.Capture.year), col(models.Capture.month),
            col(models.Capture.indicator_code), col(models.Capture.office_code),
        )
    )  # fmt: skip
    return [
        CaptureRow(
            indicator=r.indicator_code, office=r.office_code, year=r.year, month=r.month,
            numerator=r.numerator, denominator=r.denominator, value=r.value,
            justification=r.justification, evidence=r.evidence,
        )
        for r in rows
    ]  # fmt: skip


_FIELDS = ("numerator", "denominator", "value", "justification", "evidence")


def apply_captures(
    *,
    session: Session,
    programme_id: str,
    rows: Iterable[CaptureRow],
    source: str,
    seen_at: dt.datetime | None = None,
) -> ApplyStats:
    """Create or change captures; every change is also appended to the history."""
    seen = seen_at or models.utcnow()
    stats = ApplyStats()
    existing = {
        (c.indicator_code, c.office_code, c.year, c.month): c
        for c in session.exec(
            select(models.Capture).where(models.Capture.programme_id == programme_id)
        )
    }
    for row in rows:
        current = existing.get((row.indicator, row.office, row.year, row.month))
        if current is not None and all(getattr(current, f) == getattr(row, f) for f in _FIELDS):
            stats.unchanged += 1
            continue
        if current is None:
            current = models.Capture(
                programme_id=programme_id, indicator_code=row.indicator,
                office_code=row.office, year=row.year, month=row.month,
            )  # fmt: skip
            existing[(row.indicator, row.office, row.year, row.month)] = current
            change = "created"
            stats.created += 1
        else:
            change = "changed"
            stats.changed += 1
        for f in _FIELDS:
            setattr(current, f, getattr(row, f))
        current.source, current.updated_at = source, seen
        session.add(current)
        session.add(models.CaptureHistory(
            programme_id=programme_id, indicator_code=row.indicator, office_code=row.office,
            year=row.year, month=row.month, change=change, numerator=row.numerator,
            denominator=row.denominator, value=row.value, justification=row.justification,
            evidence=row.evidence, source=source, seen_at=seen,
        ))  # fmt: skip
    session.flush()
    return stats


def capture_history(
    *, session: Session, programme_id: str, indicator: str
) -> list[models.CaptureHistory]:
    """Every recorded change of an indicator's captures, oldest first."""
    return list(
        session.exec(
            select(models.CaptureHistory)
            .where(
                models.CaptureHistory.programme_id == programme_id,
                models.CaptureHistory.indicator_code == indicator,
            )
            .order_by(col(models.CaptureHistory.seen_at), col(models.CaptureHistory.id))
        )
    )


def row_links(*, session: Session, programme_id: str) -> dict[tuple[int, str, str], str]:
    """(month, indicator, office) → a link opening the workbook at that capture row."""
    table = models.RowLink
    found = session.exec(
        select(table.month, table.indicator_code, table.office_code, table.link).where(
            table.programme_id == programme_id
        )
    )
    return {(month, code, office): link for month, code, office, link in found}
