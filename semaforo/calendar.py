"""Business days and capture deadlines (DOMAIN rule 6), Mexican federal holidays excluded."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _federal_holidays(year: int) -> frozenset[dt.date]:
    # The holidays package keeps the statutory days of rest (Ley Federal del Trabajo, art. 74),
    # including the moved Mondays and the six-yearly 1 October transfer of power.
    return frozenset(holidays.country_holidays("MX", years=(year - 1, year, year + 1)).keys())


def is_business_day(day: dt.date) -> bool:
    """Monday to Friday and not a federal holiday."""
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def nth_business_day(year: int, month: int, n: int) -> dt.date:
    """The n-th business day (1-based) of a month."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    day = dt.date(year, month, 1)
    seen = 0
    while True:
        if is_business_day(day):
            seen += 1
            if seen == n:
                return day
        day += dt.timedelta(days=1)


def capture_deadline(year: int, month: int, business_days: int = 5) -> dt.date:
    """The last day to capture a month: the n-th business day of the following month."""
    following_year, following_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return nth_business_day(following_year, following_month, business_days)


def deadlines_for_year(year: int, business_days: int = 5) -> dict[int, dt.date]:
    """Each month's capture deadline for a programme year."""
    return {m: capture_deadline(year, m, business_days) for m in range(1, 13)}
