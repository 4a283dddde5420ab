"""DOMAIN.md scoring rules 1-6, one group of tests per rule, on small hand-made catalogues."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from scoring import (
    Capture,
    Catalogue,
    Colour,
    Direction,
    Indicator,
    Kind,
    MonthPlan,
    Period,
    Thresholds,
    Unit,
    UnitKind,
    colour_of,
    compliance,
    evaluate,
)
from semaforo.calendar import capture_deadline, deadlines_for_year

DEADLINES = deadlines_for_year(2019)
LATE = dt.date(2020, 6, 1)  # every 2019 deadline has passed


def plan(**months: tuple[float, float]) -> dict[int, MonthPlan]:
    keys = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"]
    return {keys.index(k) + 1: MonthPlan(target=t, weight=w) for k, (t, w) in months.items()}


def ind(code: str, unit: str = "1.1", kind: Kind = Kind.RATIO, **kw: object) -> Indicator:
    kw.setdefault("months", plan(mar=(100.0, 50.0)))
    kw.setdefault("annual_weight", 50.0)
    return Indicator(code=code, unit=unit, name=f"Indicador {code}", kind=kind, **kw)  # type: ignore[arg-type]


def catalogue(
    *indicators: Indicator, units: tuple[Unit, ...] | None = None, **kw: object
) -> Catalogue:
    default_units = (
        Unit("1", "DG uno", UnitKind.TOP, None),
        Unit("1.1", "Área uno", UnitKind.AREA, "1"),
        Unit("1.2", "Área dos", UnitKind.AREA, "1"),
        Unit("2", "DG dos", UnitKind.TOP, None),
        Unit("2.1", "Área de la DG dos", UnitKind.AREA, "2"),
    )
    return Catalogue(
        programme="t",
        name="Prueba",
        year=2019,
        units=units or default_units,
        indicators=indicators,
        **kw,  # type: ignore[arg-type]
    )


def score_of(
    cat: Catalogue, captures: list[Capture], code: str, period: Period, as_of: dt.date = LATE
) -> tuple[float | None, Colour]:
    node = evaluate(cat, captures, period=period, as_of=as_of, deadlines=DEADLINES).find(code)
    assert node is not None
    return node.score, node.colour


MARCH = Period.month(2019, 3)


# Rule 1: compliance by kind and direction


def test_ratio_compliance_is_achieved_percent_over_programmed_percent() -> None:
    cat = catalogue(ind("1.1.1", months=plan(mar=(80.0, 100.0))))
    score, _ = score_of(cat, [Capture("1.1.1", 3, numerator=60, denominator=100)], "1.1.1", MARCH)
    assert score == pytest.approx(75.0)  # 60% achieved against 80% programmed


def test_count_compliance_is_achieved_over_programmed() -> None:
    cat = catalogue(ind("1.1.1", kind=Kind.COUNT, months=plan(mar=(4.0, 100.0))))
    score, _ = score_of(cat, [Capture("1.1.1", 3, value=3)], "1.1.1", MARCH)
    assert score == pytest.approx(75.0)


def test_score_compliance_compares_the_grade_with_its_target() -> None:
    cat = catalogue(ind("1.1.1", kind=Kind.SCORE, months=plan(mar=(9.0, 100.0))))
    score, _ = score_of(cat, [Capture("1.1.1", 3, value=8.1)], "1.1.1", MARCH)
    assert score == pytest.approx(90.0)


def test_descending_compliance_is_programmed_over_achieved() -> None:
    assert compliance(achieved=2628, programmed=1314, direction=Direction.DESCENDING) == 50.0
    assert compliance(achieved=657, programmed=1314, direction=Direction.DESCENDING) == 200.0


def test_descending_achieved_zero_is_fully_met_and_shown_as_exceeded() -> None:
    cat = catalogue(
        ind(
            "1.1.1",
            kind=Kind.COUNT,
            direction=Direction.DESCENDING,
            months=plan(mar=(1314.0, 100.0)),
        )
    )
    score, colour = score_of(cat, [Capture("1.1.1", 3, value=0)], "1.1.1", MARCH)
    assert score == math.inf and colour is Colour.EXCEEDED
    area, _ = score_of(cat, [Capture("1.1.1", 3, value=0)], "1.1", MARCH)
    assert area == 100.0  # the cap still applies in the area


def test_compliance_is_kept_unrounded() -> None:
    value = compliance(achieved=32822, programmed=45649, direction=Direction.ASCENDING)
    assert value == 3282200 / 45649  # 71.9008…, shown as 71.9


def test_monthly_programmed_value_is_taken_literally_even_when_a_share_of_the_year() -> None:
    # 9.1: 8.3% of the year's activities programmed each month
    cat = catalogue(ind("1.1.1", months=plan(ene=(8.3, 100.0))))
    score, _ = score_of(
        cat, [Capture("1.1.1", 1, numerator=83, denominator=1000)], "1.1.1", Period.month(2019, 1)
    )
    assert score == pytest.approx(100.0)


def test_programmed_zero_has_no_compliance() -> None:
    assert compliance(achieved=5, programmed=0, direction=Direction.ASCENDING) is None


# Rule 2: colours


@pytest.mark.parametrize(
    ("value", "colour"),
    [
        (0.0, Colour.RED),
        (69.99, Colour.RED),
        (70.0, Colour.YELLOW),
        (94.99, Colour.YELLOW),
        (95.0, Colour.GREEN),
        (115.9, Colour.GREEN),
        (115.99, Colour.GREEN),
        (116.0, Colour.EXCEEDED),
        (500.0, Colour.EXCEEDED),
    ],
)
def test_default_bands_are_half_open_so_every_number_has_one_colour(
    value: float, colour: Colour
) -> None:
    assert colour_of(value, Thresholds()) is colour


def test_indicator_thresholds_override_the_programme_default() -> None:
    own = Thresholds(yellow=90.0, green=95.0, exceeded=116.0)
    cat = catalogue(ind("1.1.1", kind=Kind.COUNT, months=plan(mar=(100.0, 100.0)), thresholds=own))
    _, colour = score_of(cat, [Capture("1.1.1", 3, value=89.9)], "1.1.1", MARCH)
    assert colour is Colour.RED  # 89.9 is yellow by the default bands, red by its own


def test_colour_comes_from_the_unrounded_value() -> None:
    assert colour_of(94.96, Thresholds()) is Colour.YELLOW  # shown as 95.0, still yellow


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="yellow <= green"):
        Thresholds(yellow=96.0, green=95.0)


def test_due_indicator_without_capture_is_pending_until_deadline_then_missing() -> None:
    cat = catalogue(ind("1.1.1"))
    deadline = capture_deadline(2019, 3)
    assert score_of(cat, [], "1.1.1", MARCH, as_of=deadline) == (None, Colour.PENDING)
    assert score_of(cat, [], "1.1.1", MARCH, as_of=deadline + dt.timedelta(days=1)) == (
        None,
        Colour.MISSING,
    )


def test_invalid_capture_counts_as_no_capture() -> None:
    cat = catalogue(ind("1.1.1"))
    bad = Capture("1.1.1", 3, numerator=5, denominator=0)
    assert score_of(cat, [bad], "1.1.1", MARCH)[1] is Colour.MISSING


# Rule 3: the area's monthly score


def two_indicator_area(weights: tuple[float, float] = (60.0, 40.0)) -> Catalogue:
    return catalogue(
        ind("1.1.1", months=plan(mar=(100.0, weights[0]))),
        ind("1.1.2", months=plan(mar=(100.0, weights[1]))),
    )


def test_area_score_is_the_weighted_mean_of_capped_compliance() -> None:
    caps = [
        Capture("1.1.1", 3, numerator=150, denominator=100),
        Capture("1.1.2", 3, numerator=50, denominator=100),
    ]
    score, colour = score_of(two_indicator_area(), caps, "1.1", MARCH)
    assert score == pytest.approx(0.6 * 100 + 0.4 * 50)  # 150% is capped at 100
    assert colour is Colour.YELLOW


def test_cap_is_a_programme_setting() -> None:
    cat = catalogue(
        ind("1.1.1", months=plan(mar=(100.0, 60.0))),
        ind("1.1.2", months=plan(mar=(100.0, 40.0))),
        cap=120.0,
    )
    caps = [
        Capture("1.1.1", 3, numerator=150, denominator=100),
        Capture("1.1.2", 3, numerator=50, denominator=100),
    ]
    assert score_of(cat, caps, "1.1", MARCH)[0] == pytest.approx(0.6 * 120 + 0.4 * 50)


def test_missing_capture_after_deadline_counts_as_zero() -> None:
    caps = [Capture("1.1.1", 3, numerator=100, denominator=100)]
    assert score_of(two_indicator_area(), caps, "1.1", MARCH)[0] == pytest.approx(60.0)


def test_pending_capture_is_left_out_of_the_area_score() -> None:
    caps = [Capture("1.1.1", 3, numerator=100, denominator=100)]
    before_deadline = dt.date(2019, 4, 1)
    assert score_of(two_indicator_area(), caps, "1.1", MARCH, before_deadline)[0] == 100.0


def test_area_with_everything_pending_has_no_score_and_shows_pending() -> None:
    assert score_of(two_indicator_area(), [], "1.1", MARCH, dt.date(2019, 4, 1)) == (
        None,
        Colour.PENDING,
    )


def test_weights_that_do_not_sum_to_100_are_normalised() -> None:
    caps = [
        Capture("1.1.1", 3, numerator=100, denominator=100),
        Capture("1.1.2", 3, numerator=50, denominator=100),
    ]
    # 35.3 + 35.3 = 70.6 in the source: each is half of the month
    score, _ = score_of(two_indicator_area((35.3, 35.3)), caps, "1.1", MARCH)
    assert score == pytest.approx(75.0)


def test_indicators_not_due_in_the_month_are_left_out() -> None:
    cat = catalogue(
        ind("1.1.1", months=plan(mar=(100.0, 100.0))), ind("1.1.2", months=plan(jun=(100.0, 100.0)))
    )
    caps = [Capture("1.1.1", 3, numerator=90, denominator=100)]
    assert score_of(cat, caps, "1.1", MARCH)[0] == pytest.approx(90.0)
    assert score_of(cat, [], "1.1", Period.month(2019, 1)) == (None, Colour.NONE)
