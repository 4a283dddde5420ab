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
    """Read `2019-03`, `03/2019`, `mar 2019`, `marzo de 2019`, `2019-T1`, `T1`, `1T`,
    `primer trimestre`, `T1 2019`, `2019`, `2019-ytd`, `2019-ytd-05`, `ytd`, `mar` or `03`.

    Short forms (`T1`, `mar`, `03`) are in the programme's year. `ytd` without a month runs to
    `as_of_month`. The year must be the programme's: captures exist for no other.
    """
    raw = text.strip()
    period = _parse(raw.lower(), programme_year, as_of_month)
    if period is None:
        raise PeriodError(
            f"periodo no reconocido: {text!r}; use mar, marzo 2019, 03/2019, 2019-03, T1, "
            "primer trimestre, 2019-T1, 2019-ytd o 2019"
        )
    if period.year != programme_year:
        raise PeriodError(
            f"el periodo {text!r} está fuera del programa, que cubre el año {programme_year}"
        )
    return period


_SLASH_MONTH = re.compile(r"^(\d{1,2})[/.](\d{4})$")  # 03/2019
_YEAR_SLASH_MONTH = re.compile(r"^(\d{4})/(\d{1,2})$")  # 2019/03
_ORDINALS = {
    "1": 1, "1o": 1, "1er": 1, "1ro": 1, "primer": 1, "primero": 1, "first": 1,
    "2": 2, "2o": 2, "2do": 2, "segundo": 2, "second": 2,
    "3": 3, "3o": 3, "3er": 3, "3ro": 3, "tercer": 3, "tercero": 3, "third": 3,
    "4": 4, "4o": 4, "4to": 4, "cuarto": 4, "fourth": 4,
}  # fmt: skip
_QUARTER_WORDS = ("trimestre", "trim", "quarter")
_FILLERS = ("de", "del", "of")


def _words_period(raw: str, year: int) -> Period | None:
    """Periods as people type them in words: `mar 2019`, `marzo de 2019`, `1T`, `T1 2019`,
    `primer trimestre`, `trimestre 2 2019`, `2019 T1`."""
    words = [w for w in re.split(r"[\s,]+", raw.replace("º", "o").replace("°", "o")) if w]
    words = [w for w in words if w not in _FILLERS]
    years = [w for w in words if re.fullmatch(r"\d{4}", w)]
    if len(years) > 1:
        return None
    when = int(years[0]) if years else year
    rest = [w for w in words if w not in years]
    if len(rest) == 1:
        word = rest[0]
        if word in _LONG_MONTHS:
            return Period.month(when, _LONG_MONTHS[word])
        if m := re.fullmatch(r"(?:[tq]([1-4])|([1-4])[tq])", word):
            return Period.quarter(when, int(m.group(1) or m.group(2)))
        if word in ("ytd", "acum"):
            return None
    if len(rest) == 2:
        first, second = rest
        if first in _QUARTER_WORDS and second in _ORDINALS:
            return Period.quarter(when, _ORDINALS[second])
        if second in _QUARTER_WORDS and first in _ORDINALS:
            return Period.quarter(when, _ORDINALS[first])
    return None


def _parse(raw: str, year: int, as_of_month: int) -> Period | None:
    if m := _SLASH_MONTH.match(raw):
        month = int(m.group(1))
        return Period.month(int(m.group(2)), month) if 1 <= month <= 12 else None
    if m := _YEAR_SLASH_MONTH.match(raw):
        month = int(m.group(2))
        return Period.month(int(m.group(1)), month) if 1 <= month <= 12 else None
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
    if raw in ("ytd", "acum"):
        return Period.year_to_date(year, as_of_month)
    if m := _SHORT_QUARTER.match(raw):
        return Period.quarter(year, int(m.group(1)))
    if raw in _LONG_MONTHS:
        return Period.month(year, _LONG_MONTHS[raw])
    if raw.isdigit() and 1 <= int(raw) <= 12:
        return Period.month(year, int(raw))
    return _words_period(raw, year)


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
