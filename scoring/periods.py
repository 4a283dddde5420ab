"""Reporting periods: a month, a quarter (trimestre), year-to-date, or the whole year."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.model import MONTH_KEYS


class PeriodError(ValueError):
    """A period text that cannot be read; the message says what is accepted."""


@dataclass(frozen=True, slots=True)
class Period:
    """A run of months of one year, first..last inclusive, with the label it was asked by."""

    year: int
    first: int
    last: int
    label: str

    @property
    def months(self) -> range:
        """The months of the period, 1-12."""
        return range(self.first, self.last + 1)

    @property
    def is_single_month(self) -> bool:
        """Whether the period is one month (rule 3 weights) rather than several (rule 4)."""
        return self.first == self.last

    @staticmethod
    def month(year: int, month: int) -> Period:
        """The period of one month."""
        return Period(year, month, month, f"{year}-{month:02d}")

    @staticmethod
    def quarter(year: int, quarter: int) -> Period:
        """Trimestre 1-4."""
        return Period(year, 3 * quarter - 2, 3 * quarter, f"{year}-T{quarter}")

    @staticmethod
    def year_to_date(year: int, last: int) -> Period:
        """January through the given month."""
        return Period(year, 1, last, f"{year}-ytd-{last:02d}")

    @staticmethod
    def whole_year(year: int) -> Period:
        """The programme's whole year."""
        return Period(year, 1, 12, str(year))


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[tTqQ]([1-4])$")
_YTD = re.compile(r"^(\d{4})-(?:ytd|acum)(?:-(\d{1,2}))?$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_SHORT_QUARTER = re.compile(r"^[tTqQ]([1-4])$")


def parse_period(text: str, *, programme_year: int, as_of_month: int = 12) -> Period:
    """Read `2019-03`, `2019-T1`, `2019`, `2019-ytd`, `2019-ytd-05`, `T1` or `mar`.

    Short forms (`T1`, `mar`, `03`) are in the programme's year. `ytd` without a month runs to
    `as_of_month`. The year must be the programme's: captures exist for no other.
    """
    raw = text.strip()
    period = _parse(raw.lower(), programme_year, as_of_month)
    if period is None:
        raise PeriodError(
            f"periodo no reconocido: {text!r}; use 2019-03, mar, 2019-T1, T1, 2019-ytd o 2019"
        )
    if period.year != programme_year:
        raise PeriodError(
            f"el periodo {text!r} está fuera del programa, que cubre el año {programme_year}"
        )
    return period


def _parse(raw: str, year: int, as_of_month: int) -> Period | None:
    if m := _MONTH.match(raw):
        month = int(m.group(2))
        return Period.month(int(m.group(1)), month) if 1 <= month <= 12 else None
    if m := _QUARTER.match(raw):
        return Period.quarter(int(m.group(1)), int(m.group(2)))
    if m := _YTD.match(raw):
        last = int(m.group(2)) if m.group(2) else as_of_month
        return Period.year_to_date(int(m.group(1)), last) if 1 <= last <= 12 else None
    if m := _YEAR.match(raw):
        return Period.whole_year(int(m.group(1)))
    if m := _SHORT_QUARTER.match(raw):
        return Period.quarter(year, int(m.group(1)))
    if raw in _LONG_MONTHS:
        return Period.month(year, _LONG_MONTHS[raw])
    if raw.isdigit() and 1 <= int(raw) <= 12:
        return Period.month(year, int(raw))
    return None


_LONG_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre",
        ),
        start=1,
    )
} | {"setiembre": 9, "sept": 9} | {key: n for n, key in enumerate(MONTH_KEYS, start=1)}  # fmt: skip
