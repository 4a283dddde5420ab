"""/grafica's data: twelve single-month scores read from a real database (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from scoring import Colour, MonthPlan
from semaforo import service
from semaforo.catalogue.files import catalogues_root
from semaforo.chart import chart_series, render_png
from semaforo.errors import UnknownCode
from semaforo.store.engine import transaction
from semaforo.store.programmes import apply_plans

PAT = "pat-inm-2019"
SAMPLE = (catalogues_root() / PAT / "sample-captures.csv").read_text(encoding="utf-8")
AS_OF = dt.date(2019, 4, 10)
HEAD = "indicator,office,period,numerator,denominator,value,justification,evidence\n"


@pytest.fixture
def pat(engine: Engine) -> Engine:
    service.import_captures(engine, PAT, SAMPLE, source="csv:sample")
    return engine


@pytest.mark.parametrize("code", ["2.3.1", "2.3", "2", ""])
def test_each_month_scores_as_status_scores_that_month(pat: Engine, code: str) -> None:
    series = chart_series(pat, PAT, code, as_of=AS_OF)
    assert [p.month for p in series.points] == list(range(1, 13))
    for month in (1, 2, 3):
        node = service.status(pat, PAT, code=code, period=f"2019-{month:02d}", as_of=AS_OF).node
        point = series.points[month - 1]
        assert (point.score, point.colour) == (node.score, node.colour)


def test_an_indicator_series_names_it_and_keeps_its_thresholds(pat: Engine) -> None:
    series = chart_series(pat, PAT, "2.3.1 ", as_of=AS_OF)
    stored = service.programme(pat, PAT)
    assert (series.code, series.level, series.year) == ("2.3.1", "indicator", 2019)
    assert series.name.startswith("Solicitudes de movimientos en el SIOM")
    assert series.thresholds == stored.catalogue.thresholds
    assert series.points[2].colour is Colour.GREEN  # 242 / 251 = 96.4%


def test_months_after_the_as_of_month_have_no_score(pat: Engine) -> None:
    series = chart_series(pat, PAT, "", as_of=dt.date(2019, 2, 15))
    assert series.points[0].score is not None
    assert all(p.score is None for p in series.points[2:])  # March was captured, not yet known
    assert {p.colour for p in series.points[2:]} <= {Colour.PENDING, Colour.NONE}


def test_an_office_indicator_averages_the_offices_as_status_does(pat: Engine) -> None:
    with transaction(pat) as session:  # as the Catálogo tab sets an office target
        apply_plans(session=session, programme_id=PAT,
                    plans={("10.1", ""): {3: MonthPlan(90.0, 12.5, None)}})  # fmt: skip
    service.import_captures(pat, PAT, HEAD + "10.1,OR-09,2019-03,9,10,,,\n", source="test")
    series = chart_series(pat, PAT, "10.1", as_of=AS_OF)
    march = service.status(pat, PAT, code="10.1", period="2019-03", as_of=AS_OF).node
    assert (series.code, series.level) == ("10.1", "indicator")
    assert series.points[2].score == pytest.approx(100.0) == march.score
    assert series.points[2].colour is march.colour
    assert all(p.score is None for p in series.points if p.month != 3)


def test_an_unknown_code_suggests_the_nearest(pat: Engine) -> None:
    with pytest.raises(UnknownCode) as caught:
        chart_series(pat, PAT, "2.3.9", as_of=AS_OF)
    assert caught.value.suggestions
    assert all(s.startswith("2.3.") for s in caught.value.suggestions)


def test_a_series_from_the_database_renders(pat: Engine) -> None:
    png = render_png(chart_series(pat, PAT, "2.3.1", as_of=AS_OF))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
