"""DOMAIN rule 4 as revised: a period of several months counts its closed months only.

Properties over random catalogues, captures, periods and moments: a period's score uses no
open month, and a capture typed into an open month never changes a multi-month period.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    Accumulation,
    Capture,
    Catalogue,
    Kind,
    MonthPlan,
    Period,
    Result,
    closed_months,
    coverage,
    evaluate,
    last_closed_month,
)
from tests.unit.test_scoring_rules import DEADLINES, catalogue, ind

months = st.integers(min_value=1, max_value=12)
moments = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2020, 2, 29))
figures = st.floats(min_value=0, max_value=500, allow_nan=False, allow_infinity=False)


@st.composite
def programmes(draw: st.DrawFn) -> Catalogue:
    """Up to five indicators over two areas, of any kind and accumulation, due in any months."""
    indicators = []
    for n in range(draw(st.integers(1, 5))):
        due = draw(st.sets(months, min_size=1, max_size=12))
        kind = draw(st.sampled_from(list(Kind)))
        plan = {m: MonthPlan(target=draw(st.floats(1, 200)), weight=draw(st.floats(0, 100)))
                for m in due}  # fmt: skip
        accumulation = Accumulation(draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
        indicators.append(ind(f"1.{1 + n % 2}.{n + 1}", unit=f"1.{1 + n % 2}", kind=kind,
                              months=plan, accumulation=accumulation,
                              annual_weight=draw(st.floats(0, 100))))  # fmt: skip
    return catalogue(*indicators)


@st.composite
def capture_sets(draw: st.DrawFn, cat: Catalogue) -> list[Capture]:
    found = []
    for indicator in cat.indicators:
        for month in indicator.months:
            if draw(st.booleans()):
                found.append(Capture(indicator.code, month, numerator=draw(figures),
                                     denominator=draw(figures), value=draw(figures)))  # fmt: skip
    return found


@st.composite
def periods(draw: st.DrawFn) -> Period:
    first = draw(months)
    last = draw(st.integers(min_value=first, max_value=12))
    return Period(2019, first, last, f"2019-{first:02d}-{last:02d}")


def scores(tree: Result) -> dict[str, tuple[float | None, str]]:
    return {f"{n.code}·{n.office}": (n.score, n.colour.value) for n in tree.walk()}


@settings(max_examples=200, deadline=None)
@given(st.data(), programmes(), periods(), moments)
def test_a_period_uses_no_open_month_and_an_open_capture_changes_nothing(
    data: st.DataObject, cat: Catalogue, period: Period, as_of: dt.date
) -> None:
    captured = data.draw(capture_sets(cat))
    closed = set(closed_months(period, as_of=as_of, deadlines=DEADLINES))
    asked = scores(evaluate(cat, captured, period=period, as_of=as_of, deadlines=DEADLINES))
    if period.is_single_month:
        return  # rule 3: one month scores what is captured, open or not
    # without any capture of an open month: the same scores
    only_closed = [c for c in captured if c.month in closed or c.month not in period.months]
    assert scores(evaluate(cat, only_closed, period=period, as_of=as_of,
                           deadlines=DEADLINES)) == asked  # fmt: skip
    # with a new or changed capture in each open month of the period: the same scores
    typed = {(c.indicator, c.month): c for c in captured}
    for indicator in cat.indicators:
        for month in indicator.months:
            if month in period.months and month not in closed:
                typed[indicator.code, month] = Capture(
                    indicator.code, month, numerator=data.draw(figures),
                    denominator=data.draw(figures), value=data.draw(figures),
                )  # fmt: skip
    assert scores(evaluate(cat, list(typed.values()), period=period, as_of=as_of,
                           deadlines=DEADLINES)) == asked  # fmt: skip


@given(moments)
def test_the_last_closed_month_is_the_latest_whose_deadline_passed(as_of: dt.date) -> None:
    last = last_closed_month(2019, as_of=as_of, deadlines=DEADLINES)
    assert all(as_of > DEADLINES[m] for m in range(1, last + 1))
    assert all(as_of <= DEADLINES[m] for m in range(last + 1, 13))


def test_on_10_april_2019_march_is_closed_and_april_in_capture_until_8_may() -> None:
    as_of = dt.date(2019, 4, 10)
    assert last_closed_month(2019, as_of=as_of, deadlines=DEADLINES) == 3
    year = coverage(Period.whole_year(2019), as_of=as_of, deadlines=DEADLINES)
    assert (year.closed, year.open_month, year.open_deadline, year.partial) == (
        (1, 2, 3),
        4,
        dt.date(2019, 5, 8),
        True,
    )
    q1 = coverage(Period.quarter(2019, 1), as_of=as_of, deadlines=DEADLINES)
    assert (q1.partial, q1.open_month) == (False, None)
    # on 3 April, March is still in capture (until the 5th): the year counts January-February
    early = coverage(Period.whole_year(2019), as_of=dt.date(2019, 4, 3), deadlines=DEADLINES)
    assert (early.closed, early.open_month) == ((1, 2), 3)
