"""The scoring engine: pure functions over plain dataclasses (DOMAIN.md rules 1-5).

Imports only the standard library and this package, so it can be reasoned about and tested
without a database, a workbook or a bot.
"""

from scoring.engine import (
    INSTITUTION,
    Coverage,
    Gap,
    Result,
    closed_months,
    code_key,
    coverage,
    evaluate,
    last_closed_month,
    period_figures,
)
from scoring.model import (
    MONTH_KEYS,
    Accumulation,
    Capture,
    Catalogue,
    Colour,
    Direction,
    Indicator,
    Kind,
    MonthPlan,
    Thresholds,
    Unit,
    UnitKind,
)
from scoring.periods import Period, PeriodError, parse_period
from scoring.rules import achieved_figure, capped, colour_of, compliance

__all__ = [
    "INSTITUTION",
    "MONTH_KEYS",
    "Accumulation",
    "Capture",
    "Catalogue",
    "Colour",
    "Coverage",
    "Direction",
    "Gap",
    "Indicator",
    "Kind",
    "MonthPlan",
    "Period",
    "PeriodError",
    "Result",
    "Thresholds",
    "Unit",
    "UnitKind",
    "achieved_figure",
    "capped",
    "closed_months",
    "code_key",
    "colour_of",
    "compliance",
    "coverage",
    "evaluate",
    "last_closed_month",
    "parse_period",
    "period_figures",
]
