"""`semaforo catalogue export --json`: the stored catalogue as a document."""

from __future__ import annotations

from typing import Any

from scoring import MONTH_KEYS, MonthPlan
from semaforo.catalogue.files import StoredProgramme
from semaforo.targets import TargetChange


def catalogue_json(stored: StoredProgramme) -> dict[str, Any]:
    """Units and indicators with their targets, months and weights in force; Spanish month
    keys. A modified month also gives its approved values and the reason; each indicator
    lists its modifications, oldest first (office rows too)."""
    cat = stored.catalogue
    return {
        "programme": stored.id,
        "name": cat.name,
        "institution": stored.institution,
        "year": cat.year,
        "thresholds": _thresholds(cat.thresholds),
        "cap": cat.cap,
        "units": [
            {"code": u.code, "name": u.name, "kind": u.kind.value, "parent": u.parent}
            for u in cat.units
        ],
        "indicators": [
            {
                "code": i.code,
                "unit": i.unit,
                "name": i.name,
                "description": stored.texts[i.code].description if i.code in stored.texts else "",
                "formula": stored.texts[i.code].formula if i.code in stored.texts else "",
                "kind": i.kind.value,
                "direction": i.direction.value,
                "measure": i.measure,
                "annual_target": i.annual_target,
                "annual_weight": i.annual_weight,
                "strategic": i.strategic,
                "office_indicator": i.office_indicator,
                "accumulation": {
                    "numerator": i.accumulation.numerator,
                    "denominator": i.accumulation.denominator,
                    "value": i.accumulation.value,
                },
                "thresholds": _thresholds(i.thresholds) if i.thresholds else None,
                "months": {
                    MONTH_KEYS[m - 1]: {"target": p.target, "weight": p.weight}
                    | ({"share": p.share} if p.share is not None else {})
                    | _modified(stored, i.code, m)
                    for m, p in i.months.items()
                },
                "modifications": [
                    _change(c) for c in stored.targets.changes if c.indicator == i.code
                ],
            }
            for i in cat.indicators
        ],
    }


def _modified(stored: StoredProgramme, code: str, month: int) -> dict[str, Any]:
    """A modified month's approved values and the reason of the modification in force."""
    if (code, "", month) not in stored.targets.modified:
        return {}
    change = stored.targets.latest(code, "", month)
    if change is None:
        return {}
    return {
        "approved": {"target": change.approved.target, "weight": change.approved.weight},
        "reason": change.reason,
    }


def _change(change: TargetChange) -> dict[str, Any]:
    """One entry of an indicator's history of modifications (null: the month not due)."""

    def plan(p: MonthPlan | None) -> dict[str, float] | None:
        return None if p is None else {"target": p.target, "weight": p.weight}

    return {
        "month": MONTH_KEYS[change.month - 1], "office": change.office,
        "approved": plan(change.approved), "before": plan(change.before),
        "after": plan(change.after), "reason": change.reason, "source": change.source,
        "changed_at": change.changed_at.isoformat(),
    }  # fmt: skip


def _thresholds(t: Any) -> dict[str, float]:
    return {"yellow": t.yellow, "green": t.green, "exceeded": t.exceeded}
