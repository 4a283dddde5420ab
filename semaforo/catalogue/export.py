"""`semaforo catalogue export --json`: the stored catalogue as a document."""

from __future__ import annotations

from typing import Any

from scoring import MONTH_KEYS
from semaforo.catalogue.files import StoredProgramme


def catalogue_json(stored: StoredProgramme) -> dict[str, Any]:
    """Units and indicators with their targets, months and weights; Spanish month keys."""
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
                    for m, p in i.months.items()
                },
            }
            for i in cat.indicators
        ],
    }


def _thresholds(t: Any) -> dict[str, float]:
    return {"yellow": t.yellow, "green": t.green, "exceeded": t.exceeded}
