"""Scores that hold mid-year (DOMAIN rule 4, closed months) and "as known at" a moment, on
the sample captures of PAT 2019 (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from scoring import Colour
from semaforo import service
from semaforo.captures_csv import CaptureRow
from semaforo.formatting import status_json, status_text
from semaforo.store import captures
from semaforo.store.engine import transaction

PAT = "pat-inm-2019"
SAMPLE = Path(__file__).parents[2] / "semaforo/catalogue/bundled/pat-inm-2019/sample-captures.csv"
APRIL_10 = dt.date(2019, 4, 10)
MEXICO = ZoneInfo("America/Mexico_City")


@pytest.fixture
def sample(engine: Engine) -> Engine:
    service.import_captures(engine, PAT, SAMPLE.read_text(encoding="utf-8"), source="test")
    return engine


def test_on_10_april_the_default_period_is_january_to_march_and_equals_t1(sample: Engine) -> None:
    default = service.status(sample, PAT, code="2", as_of=APRIL_10)
    t1 = service.status(sample, PAT, code="2", period="T1", as_of=APRIL_10)
    assert (default.period.first, default.period.last) == (1, 3)
    assert default.node.score is not None and default.node.score == pytest.approx(t1.node.score)
    assert default.coverage is not None and not default.coverage.partial
    text = status_text(default.node, period=default.period, as_of=APRIL_10,
                       coverage=default.coverage)  # fmt: skip
    assert text.startswith("Periodo enero–marzo 2019 · al 2019-04-10")


def test_the_year_asked_on_10_april_is_partial_with_a_score(sample: Engine) -> None:
    year = service.status(sample, PAT, code="2.3", period="2019", as_of=APRIL_10)
    assert year.node.score is not None and year.node.score > 90  # three indicators at 96-100 %
    assert year.coverage is not None and year.coverage.partial
    text = status_text(year.node, period=year.period, as_of=APRIL_10, coverage=year.coverage)
    assert "2019 — parcial: cuentan enero–marzo; abril en captura hasta el 8 de mayo" in text
    doc = status_json(year.node, period=year.period, as_of=APRIL_10, coverage=year.coverage)
    assert (doc["partial"], doc["closed_months"], doc["in_capture"]) == (
        True, ["ene", "feb", "mar"], {"month": "abr", "deadline": "2019-05-08"},
    )  # fmt: skip


def test_t2_asked_on_10_april_is_pending_with_what_is_captured_so_far(sample: Engine) -> None:
    april = CaptureRow(indicator="1.5.1", office="", year=2019, month=4, numerator=90,
                       denominator=100, value=None, justification="", evidence="")  # fmt: skip
    with transaction(sample) as session:
        captures.apply_captures(session=session, programme_id=PAT, rows=[april], source="test")
    t2 = service.status(sample, PAT, code="1.5.1", period="T2", as_of=APRIL_10)
    assert (t2.node.score, t2.node.colour) == (None, Colour.PENDING)
    assert t2.node.achieved == pytest.approx(90.0)
    text = status_text(t2.node, period=t2.period, as_of=APRIL_10, coverage=t2.coverage)
    assert "logrado: 90% · programado: " in text and "capturado hasta ahora, aún sin cerrar" in text
    # and the same April capture does not move the year to date, whose April is open
    before = service.status(sample, PAT, code="1.5", period="2019-ytd", as_of=APRIL_10)
    t1 = service.status(sample, PAT, code="1.5", period="T1", as_of=APRIL_10)
    assert before.node.score == pytest.approx(t1.node.score)


def _capture(engine: Engine, numerator: float, seen: dt.datetime) -> None:
    service.programme(engine, PAT)  # loads the catalogue on first use
    row = CaptureRow(indicator="2.3.2", office="", year=2019, month=3, numerator=numerator,
                     denominator=56, value=None, justification="", evidence="")  # fmt: skip
    with transaction(engine) as session:
        captures.apply_captures(session=session, programme_id=PAT, rows=[row], source="sheet:t",
                                seen_at=seen)  # fmt: skip


def test_a_value_corrected_after_the_deadline_scores_its_old_value_when_known_at_it(
    engine: Engine,
) -> None:
    _capture(engine, 28, dt.datetime(2019, 4, 3, 12, tzinfo=MEXICO))  # on time: 50 %
    _capture(engine, 56, dt.datetime(2019, 5, 20, 9, tzinfo=MEXICO))  # corrected later: 100 %
    deadline = dt.datetime(2019, 4, 5, 23, 59, 59, tzinfo=MEXICO)
    at_deadline = service.status(engine, PAT, code="2.3.2", period="mar", known_at=deadline)
    assert at_deadline.as_of == dt.date(2019, 4, 5)  # known_at alone sets the as-of date
    assert at_deadline.node.score == pytest.approx(50.0)
    now = service.status(engine, PAT, code="2.3.2", period="mar", as_of=APRIL_10)
    assert now.node.score == pytest.approx(100.0)
    later = service.status(engine, PAT, code="2.3.2", period="mar",
                           known_at=dt.datetime(2019, 6, 1, tzinfo=MEXICO))  # fmt: skip
    assert later.node.score == pytest.approx(100.0)
    # before anything was seen, the month was pending (as of the 3rd) and missing (after the 5th)
    early = dt.datetime(2019, 4, 2, tzinfo=MEXICO)
    assert service.status(engine, PAT, code="2.3.2", period="mar", known_at=early).node.colour is (
        Colour.PENDING
    )
    late_view = service.status(engine, PAT, code="2.3.2", period="mar", as_of=APRIL_10,
                               known_at=early)  # fmt: skip
    assert late_view.node.colour is Colour.MISSING
    # a naive moment is read in the programme's time zone, not UTC: 3 April 08:00 in Mexico
    # is before the 12:00 capture
    naive = service.status(engine, PAT, code="2.3.2", period="mar",
                           known_at=dt.datetime(2019, 4, 3, 8))  # fmt: skip
    assert naive.node.colour is Colour.PENDING


def test_a_cleared_capture_is_gone_from_that_moment_on(engine: Engine) -> None:
    _capture(engine, 28, dt.datetime(2019, 4, 3, 12, tzinfo=MEXICO))
    with transaction(engine) as session:
        captures.clear_captures(
            session=session, programme_id=PAT, keys={("2.3.2", "", 2019, 3)},
            source="sheet:t", seen_at=dt.datetime(2019, 4, 4, 12, tzinfo=MEXICO),
        )  # fmt: skip
    before = dt.datetime(2019, 4, 4, 11, tzinfo=MEXICO)
    after = dt.datetime(2019, 4, 4, 13, tzinfo=MEXICO)
    assert service.status(engine, PAT, code="2.3.2", period="mar", known_at=before).node.score == (
        pytest.approx(50.0)
    )
    assert service.status(engine, PAT, code="2.3.2", period="mar", known_at=after).node.colour is (
        Colour.PENDING
    )
