"""DOMAIN.md rules 4 (periods), 5 (roll-up) and 6 (deadlines), with property tests of the maths."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    Accumulation,
    Capture,
    Catalogue,
    Colour,
    Indicator,
    Kind,
    MonthPlan,
    Period,
    Unit,
    UnitKind,
    evaluate,
)
from semaforo.calendar import capture_deadline, is_business_day, nth_business_day
from tests.unit.test_scoring_rules import DEADLINES, LATE, catalogue, ind, plan, score_of

Q1 = Period.quarter(2019, 1)
YEAR = Period.whole_year(2019)


# Rule 4: periods and accumulation


def test_count_period_compares_the_sum_achieved_with_the_sum_programmed() -> None:
    cat = catalogue(
        ind("1.1.1", kind=Kind.COUNT, months=plan(ene=(1, 100), feb=(1, 100), mar=(2, 100)))
    )
    caps = [
        Capture("1.1.1", 1, value=1),
        Capture("1.1.1", 2, value=0),
        Capture("1.1.1", 3, value=2),
    ]
    assert score_of(cat, caps, "1.1.1", Q1)[0] == pytest.approx(75.0)  # 3 of 4


def test_ratio_period_sums_both_variables_and_takes_the_latest_target() -> None:
    cat = catalogue(ind("1.1.1", months=plan(ene=(90.0, 100), mar=(80.0, 100))))
    caps = [
        Capture("1.1.1", 1, numerator=10, denominator=20),
        Capture("1.1.1", 3, numerator=70, denominator=80),
    ]
    # (10+70)/(20+80) = 80% against March's 80% target
    assert score_of(cat, caps, "1.1.1", Q1)[0] == pytest.approx(100.0)


def test_ratio_with_non_accumulable_denominator_takes_its_latest_month() -> None:
    # SIMIDE indicator 2: V1 accumulable, V2 not
    cat = catalogue(
        ind(
            "1.1.1",
            months=plan(feb=(100.0, 100), mar=(100.0, 100)),
            accumulation=Accumulation(numerator=True, denominator=False),
        )
    )
    caps = [
        Capture("1.1.1", 2, numerator=4, denominator=9),
        Capture("1.1.1", 3, numerator=5, denominator=9),
    ]
    assert score_of(cat, caps, "1.1.1", Q1)[0] == pytest.approx(100.0)  # (4+5)/9


def test_score_period_takes_the_latest_due_month() -> None:
    cat = catalogue(
        ind(
            "1.1.1",
            kind=Kind.SCORE,
            accumulation=Accumulation.default_for(Kind.SCORE),
            months=plan(ene=(9.0, 100), mar=(9.0, 100)),
        )
    )
    caps = [Capture("1.1.1", 1, value=5.0), Capture("1.1.1", 3, value=9.0)]
    assert score_of(cat, caps, "1.1.1", Q1)[0] == pytest.approx(100.0)


def test_availability_percentage_not_accumulable_takes_the_latest_month() -> None:
    cat = catalogue(
        ind(
            "1.1.1",
            months=plan(ene=(100.0, 100), mar=(100.0, 100)),
            accumulation=Accumulation(numerator=False, denominator=False),
        )
    )
    caps = [
        Capture("1.1.1", 1, numerator=10, denominator=100),
        Capture("1.1.1", 3, numerator=99, denominator=100),
    ]
    assert score_of(cat, caps, "1.1.1", Q1)[0] == pytest.approx(99.0)


def test_one_missing_month_makes_the_whole_period_missing_and_zero() -> None:
    cat = catalogue(
        ind("1.1.1", months=plan(ene=(100.0, 50), mar=(100.0, 50))),
        ind("1.1.2", months=plan(mar=(100.0, 50))),
    )
    caps = [
        Capture("1.1.1", 3, numerator=1, denominator=1),
        Capture("1.1.2", 3, numerator=1, denominator=1),
    ]
    assert score_of(cat, caps, "1.1.1", Q1) == (None, Colour.MISSING)
    assert score_of(cat, caps, "1.1", Q1)[0] == pytest.approx(50.0)


def test_a_period_is_scored_over_its_closed_months_and_an_open_one_waits() -> None:
    cat = catalogue(
        ind("1.1.1", months=plan(ene=(100.0, 50), mar=(100.0, 50))),
        ind("1.1.2", months=plan(ene=(100.0, 50))),
        ind("1.1.3", months=plan(mar=(100.0, 50))),
    )
    caps = [
        Capture("1.1.1", 1, numerator=1, denominator=1),
        Capture("1.1.1", 3, numerator=0, denominator=1),  # open: does not count yet
        Capture("1.1.2", 1, numerator=1, denominator=2),
        Capture("1.1.3", 3, numerator=1, denominator=4),
    ]
    in_april = dt.date(2019, 4, 2)  # March's deadline (5 April) not yet passed
    assert score_of(cat, caps, "1.1.1", Q1, in_april) == (100.0, Colour.GREEN)
    # only March due, and March open: pending, left out, with what is captured shown beside
    assert score_of(cat, caps, "1.1.3", Q1, in_april) == (None, Colour.PENDING)
    pending = evaluate(cat, caps, period=Q1, as_of=in_april, deadlines=DEADLINES).find("1.1.3")
    assert pending is not None and pending.achieved == pytest.approx(25.0)
    assert score_of(cat, caps, "1.1", Q1, in_april)[0] == pytest.approx(75.0)
    # once March closes, its captures count
    after = dt.date(2019, 4, 10)
    assert score_of(cat, caps, "1.1.1", Q1, after)[0] == pytest.approx(50.0)
    # asked as one month while open, rule 3: the captured ones score
    assert score_of(cat, caps, "1.1.3", MARCH_ONLY, in_april)[0] == pytest.approx(25.0)


def test_period_area_score_weights_indicators_by_annual_weight() -> None:
    cat = catalogue(
        ind("1.1.1", months=plan(mar=(100.0, 50)), annual_weight=75.0),
        ind("1.1.2", months=plan(mar=(100.0, 50)), annual_weight=25.0),
    )
    caps = [
        Capture("1.1.1", 3, numerator=1, denominator=1),
        Capture("1.1.2", 3, numerator=0, denominator=1),
    ]
    assert score_of(cat, caps, "1.1", MARCH_ONLY)[0] == pytest.approx(50.0)  # month weights
    assert score_of(cat, caps, "1.1", Q1)[0] == pytest.approx(75.0)  # annual weights


MARCH_ONLY = Period.month(2019, 3)


# Rule 5: roll-up


def test_directorate_is_the_simple_average_of_its_areas_with_something_due() -> None:
    cat = catalogue(ind("1.1.1"), ind("1.2.1", unit="1.2", months=plan(jun=(100.0, 100))))
    caps = [Capture("1.1.1", 3, numerator=80, denominator=100)]
    # 1.2 has nothing due in March: 1 is 1.1's score alone
    assert score_of(cat, caps, "1", MARCH_ONLY)[0] == pytest.approx(80.0)


def test_institution_is_the_simple_average_of_the_top_units() -> None:
    cat = catalogue(ind("1.1.1"), ind("1.2.1", unit="1.2"), ind("2.1.1", unit="2.1"))
    caps = [
        Capture("1.1.1", 3, numerator=100, denominator=100),
        Capture("1.2.1", 3, numerator=50, denominator=100),
        Capture("2.1.1", 3, numerator=40, denominator=100),
    ]
    # DG 1 = (100 + 50) / 2 = 75; DG 2 = 40; INM = (75 + 40) / 2, not (100 + 50 + 40) / 3
    assert score_of(cat, caps, "", MARCH_ONLY)[0] == pytest.approx(57.5)


def offices_catalogue() -> Catalogue:
    units = (
        Unit("1", "DG uno", UnitKind.TOP, None),
        Unit("1.1", "Área uno", UnitKind.AREA, "1"),
        Unit("10", "Oficinas", UnitKind.OFFICE_BRANCH, None),
        Unit("OR-01", "Oficina A", UnitKind.OFFICE, "10"),
        Unit("OR-02", "Oficina B", UnitKind.OFFICE, "10"),
    )
    office_ind = Indicator(
        code="10.1", unit="10", name="OR uno", kind=Kind.RATIO, office_indicator=True
    )
    return Catalogue(
        programme="t",
        name="Prueba",
        year=2019,
        units=units,
        indicators=(ind("1.1.1", months=plan(mar=(100.0, 100))), office_ind),
        office_months={"10.1": {"": {3: MonthPlan(100.0, 100.0)}}},
    )


def test_office_branch_is_the_average_of_offices_and_not_in_the_central_average() -> None:
    cat = offices_catalogue()
    caps = [
        Capture("1.1.1", 3, numerator=90, denominator=100),
        Capture("10.1", 3, numerator=100, denominator=100, office="OR-01"),
        Capture("10.1", 3, numerator=50, denominator=100, office="OR-02"),
    ]
    tree = evaluate(cat, caps, period=MARCH_ONLY, as_of=LATE, deadlines=DEADLINES)
    branch = tree.find("10")
    assert branch is not None and branch.score == pytest.approx(75.0)
    assert tree.score == pytest.approx(90.0)


def test_office_indicator_without_targets_is_not_due() -> None:
    cat = offices_catalogue()
    cat = Catalogue(
        programme=cat.programme,
        name=cat.name,
        year=2019,
        units=cat.units,
        indicators=cat.indicators,
    )
    tree = evaluate(cat, [], period=MARCH_ONLY, as_of=LATE, deadlines=DEADLINES)
    branch = tree.find("10")
    assert branch is not None and branch.colour is Colour.NONE


# Rule 6: the capture deadline


def test_capture_deadline_is_the_fifth_business_day_of_the_following_month() -> None:
    assert capture_deadline(2019, 3) == dt.date(2019, 4, 5)


def test_capture_deadline_skips_federal_holidays() -> None:
    # February 2019: Monday 4 is Constitution Day, so the 5th business day is Friday 8
    assert capture_deadline(2019, 1) == dt.date(2019, 2, 8)
    assert not is_business_day(dt.date(2019, 3, 18))  # Benito Juárez's birthday (moved Monday)


def test_december_deadline_falls_in_january_of_the_next_year() -> None:
    assert capture_deadline(2019, 12) == dt.date(2020, 1, 8)


def test_nth_business_day_refuses_zero() -> None:
    with pytest.raises(ValueError):
        nth_business_day(2019, 3, 0)


# Property tests of the period maths

values = st.integers(min_value=0, max_value=10_000).map(float)
positive = st.integers(min_value=1, max_value=10_000).map(float)


@given(st.lists(st.tuples(values, positive), min_size=1, max_size=12))
def test_count_period_compliance_equals_sum_over_sum(months: list[tuple[float, float]]) -> None:
    chosen = dict(zip(range(1, 13), months, strict=False))
    cat = catalogue(
        ind(
            "1.1.1", kind=Kind.COUNT, months={m: MonthPlan(t, 10.0) for m, (_, t) in chosen.items()}
        )
    )
    caps = [Capture("1.1.1", m, value=v) for m, (v, _) in chosen.items()]
    expected = 100 * sum(v for v, _ in months) / sum(t for _, t in months)
    assert score_of(cat, caps, "1.1.1", YEAR)[0] == pytest.approx(expected)


@given(positive, positive, st.integers(min_value=1, max_value=12))
def test_a_single_month_period_equals_the_month_compliance(
    num: float, den: float, month: int
) -> None:
    cat = catalogue(ind("1.1.1", months={month: MonthPlan(100.0, 100.0)}))
    caps = [Capture("1.1.1", month, numerator=min(num, den), denominator=den)]
    by_month = score_of(cat, caps, "1.1.1", Period.month(2019, month))[0]
    by_year = score_of(cat, caps, "1.1.1", YEAR)[0]
    assert by_month == pytest.approx(by_year)


@given(st.lists(st.tuples(values, positive), min_size=2, max_size=6), st.integers(0, 5))
def test_missing_data_never_raises_an_area_score(
    months: list[tuple[float, float]], dropped: int
) -> None:
    indicators = [
        ind(f"1.1.{i}", kind=Kind.COUNT, months=plan(mar=(t, 10.0)), annual_weight=10.0)
        for i, (_, t) in enumerate(months, start=1)
    ]
    cat = catalogue(*indicators)
    caps = [Capture(f"1.1.{i}", 3, value=v) for i, (v, _) in enumerate(months, start=1)]
    full = score_of(cat, caps, "1.1", Q1)[0]
    fewer = score_of(cat, [c for j, c in enumerate(caps) if j != dropped % len(caps)], "1.1", Q1)[0]
    assert full is not None and fewer is not None and fewer <= full + 1e-9


@given(st.lists(values, min_size=1, max_size=12), positive)
def test_more_achieved_never_lowers_an_ascending_compliance(
    achieved: list[float], bump: float
) -> None:
    months = {m: MonthPlan(50.0, 10.0) for m in range(1, len(achieved) + 1)}
    cat = catalogue(ind("1.1.1", kind=Kind.COUNT, months=months))
    caps = [Capture("1.1.1", m, value=v) for m, v in enumerate(achieved, start=1)]
    more = [*caps[:-1], Capture("1.1.1", len(achieved), value=achieved[-1] + bump)]
    base, bumped = score_of(cat, caps, "1.1.1", YEAR)[0], score_of(cat, more, "1.1.1", YEAR)[0]
    assert base is not None and bumped is not None and bumped >= base
