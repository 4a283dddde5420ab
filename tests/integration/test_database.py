"""The data model on a real SQLite file and a real PostgreSQL (each test runs on both)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, func, select

from scoring import Colour
from semaforo import service
from semaforo.catalogue.files import catalogues_root, load_programme
from semaforo.store import captures, models
from semaforo.store.engine import transaction

SIMIDE = "simide-ipam-2023"
PAT = "pat-inm-2019"
SIMIDE_SAMPLE = (catalogues_root() / SIMIDE / "sample-captures.csv").read_text(encoding="utf-8")
HEAD = "indicator,office,period,numerator,denominator,value,justification,evidence\n"


def count(engine: Engine, table: type[SQLModel]) -> int:
    with transaction(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.parametrize("programme_id", [PAT, SIMIDE])
def test_a_loaded_catalogue_reads_back_as_the_files_give_it(
    engine: Engine, programme_id: str
) -> None:
    service.load_catalogue(engine, programme_id)
    stored = service.programme(engine, programme_id)
    from_files = load_programme(programme_id).catalogue
    assert stored.catalogue.units == from_files.units
    assert stored.catalogue.indicators == from_files.indicators
    assert stored.catalogue.thresholds == from_files.thresholds


def test_the_simide_report_figures_are_reproduced(engine: Engine) -> None:
    service.import_captures(engine, SIMIDE, SIMIDE_SAMPLE, source="test")
    first = service.status(engine, SIMIDE, code="1", as_of=dt.date(2024, 3, 1)).node
    second = service.status(engine, SIMIDE, code="2", as_of=dt.date(2024, 3, 1)).node
    assert (round(first.score or 0, 1), first.colour) == (71.9, Colour.YELLOW)
    assert (round(second.score or 0, 1), second.colour) == (100.0, Colour.GREEN)


def test_reimporting_the_same_file_changes_nothing(engine: Engine) -> None:
    _, first = service.import_captures(engine, SIMIDE, SIMIDE_SAMPLE, source="test")
    history = count(engine, models.CaptureHistory)
    _, again = service.import_captures(engine, SIMIDE, SIMIDE_SAMPLE, source="test")
    assert (first.created, again.created, again.changed, again.unchanged) == (2, 0, 0, 2)
    assert count(engine, models.CaptureHistory) == history == 2


def test_history_keeps_every_value_with_when_it_was_seen(engine: Engine) -> None:
    service.import_captures(engine, SIMIDE, HEAD + "1,,2023-12,,,30000,,\n", source="a")
    service.import_captures(engine, SIMIDE, HEAD + "1,,2023-12,,,32822,,\n", source="b")
    with transaction(engine) as session:
        history = captures.capture_history(session=session, programme_id=SIMIDE, indicator="1")
        rows = [(h.change, h.value, h.source) for h in history]
        assert all(h.seen_at is not None for h in history)
    assert rows == [("created", 30000.0, "a"), ("changed", 32822.0, "b")]
    node = service.status(engine, SIMIDE, code="1", as_of=dt.date(2024, 3, 1)).node
    assert round(node.score or 0, 1) == 71.9


def test_bad_rows_are_reported_and_the_good_rows_still_land(engine: Engine) -> None:
    text = (
        HEAD + "1,,2023-12,,,abc,,\n2,,2023-12,9,0,,,\n7,,2023-12,,,1,,\n2,,2022-12,1,1,,,\n"
        "2,,2023-12,9,9,,,\n"
    )
    parsed, stats = service.import_captures(engine, SIMIDE, text, source="test")
    assert [p.line for p in parsed.errors] == [2, 3, 4, 5]
    assert stats.created == 1 and count(engine, models.Capture) == 1


def test_reloading_the_catalogue_keeps_captures_and_office_targets(engine: Engine) -> None:
    service.load_catalogue(engine, PAT)
    with transaction(engine) as session:
        session.add(
            models.MonthTarget(
                programme_id=PAT,
                indicator_code="10.1",
                office_code="",
                month=3,
                target=90.0,
                weight=12.5,
                approved_target=90.0,
                approved_weight=12.5,
            )
        )
    service.import_captures(engine, PAT, HEAD + "10.1,OR-09,2019-03,9,10,,,\n", source="test")
    service.load_catalogue(engine, PAT)
    stored = service.programme(engine, PAT)
    assert stored.catalogue.office_months["10.1"][""][3].target == 90.0
    assert count(engine, models.Capture) == 1
    node = service.status(engine, PAT, code="10.1", period="2019-03").node
    assert node.score == pytest.approx(100.0)


def test_export_then_import_into_another_database_gives_the_same_captures(
    engine: Engine, tmp_path: Path
) -> None:
    service.import_captures(engine, SIMIDE, SIMIDE_SAMPLE, source="test")
    with transaction(engine) as session:
        rows = captures.export_captures(session=session, programme_id=SIMIDE)
    from semaforo.captures_csv import to_csv
    from semaforo.store.engine import create_schema, make_engine

    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    create_schema(other)
    service.import_captures(other, SIMIDE, to_csv(rows), source="copy")
    with transaction(other) as session:
        assert captures.export_captures(session=session, programme_id=SIMIDE) == rows
