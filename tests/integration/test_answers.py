"""Who may see what through the bot's service (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from semaforo import answers, service
from semaforo.answers import OutOfReach, Viewer
from semaforo.people.owners import add_owner

PAT = "pat-inm-2019"
AS_OF = dt.date(2019, 4, 10)
SAMPLE = Path(__file__).parents[2] / "semaforo/catalogue/bundled/pat-inm-2019/sample-captures.csv"


@pytest.fixture
def people(engine: Engine) -> dict[str, Viewer]:
    service.import_captures(engine, PAT, SAMPLE.read_text(encoding="utf-8"), source="test")
    add_owner(engine, PAT, name="Dora Directora", role="director", units=["2.3"], telegram_id=23)
    add_owner(engine, PAT, name="Carlos Captura", role="capture", units=["2.3"], telegram_id=231)
    add_owner(engine, PAT, name="Pepa Planeación", role="planning", units=[], telegram_id=52)
    found = {name: answers.viewer(engine, PAT, tid) for name, tid in
             (("director", 23), ("capture", 231), ("planning", 52))}  # fmt: skip
    assert all(v is not None for v in found.values())
    return {k: v for k, v in found.items() if v is not None}


def test_a_stranger_is_nobody(engine: Engine) -> None:
    assert answers.viewer(engine, PAT, 999) is None


def test_a_director_sees_the_same_status_as_the_command_line(
    engine: Engine, people: dict[str, Viewer]
) -> None:
    [mine] = answers.status_for(engine, PAT, people["director"], code="2.3", period=None,
                                as_of=AS_OF)  # fmt: skip
    cli = service.status(engine, PAT, code="2.3", as_of=AS_OF)
    assert (mine.node.score, mine.node.colour) == (cli.node.score, cli.node.colour)
    [home] = answers.status_for(engine, PAT, people["director"], code=None, period=None,
                                as_of=AS_OF)  # fmt: skip
    assert home.node.code == "2.3"


@pytest.mark.parametrize("code", ["2.4", "2", "INM", "2.4.1", "9.9.9", "OR-01"])
def test_a_director_gets_no_answer_outside_their_units_and_no_hint_it_exists(
    engine: Engine, people: dict[str, Viewer], code: str
) -> None:
    with pytest.raises(OutOfReach) as caught:
        answers.status_for(engine, PAT, people["director"], code=code, period=None, as_of=AS_OF)
    assert all(s.startswith("2.3") for s in caught.value.suggestions)
    assert "Dirección" not in str(caught.value)


def test_planning_sees_the_institution_and_every_unit(
    engine: Engine, people: dict[str, Viewer]
) -> None:
    [home] = answers.status_for(engine, PAT, people["planning"], code=None, period=None,
                                as_of=AS_OF)  # fmt: skip
    assert home.node.level == "institution"
    stored = service.programme(engine, PAT)
    assert answers.parent_code(stored, people["planning"], "2.3") == "2"
    assert answers.parent_code(stored, people["planning"], "2") == ""
    assert answers.parent_code(stored, people["director"], "2.3") is None
    assert answers.parent_code(stored, people["director"], "2.3.1") == "2.3"


def test_the_ranking_holds_only_what_the_person_may_see_best_first(
    engine: Engine, people: dict[str, Viewer]
) -> None:
    mine = answers.ranking_for(engine, PAT, people["director"], period=None, as_of=AS_OF)
    assert [u.code for u in mine.units] == ["2.3"]
    everything = answers.ranking_for(engine, PAT, people["planning"], period=None, as_of=AS_OF)
    scores = [u.score for u in everything.units if u.score is not None]
    assert scores == sorted(scores, reverse=True)
    assert len(everything.units) > 40


def test_pending_captures_are_grouped_by_their_owner(
    engine: Engine, people: dict[str, Viewer]
) -> None:
    found = answers.pending_for(engine, PAT, people["director"], code=None, as_of=AS_OF)
    names = [g.owner for g in found.groups]
    assert set(names) <= {"Dora Directora", "Carlos Captura"}
    gaps = [g for group in found.groups for g in group.gaps]
    assert all(g.indicator.startswith("2.3.") for g in gaps)
    everything = answers.pending_for(engine, PAT, people["planning"], code=None, as_of=AS_OF)
    assert everything.groups[-1].owner is None  # units nobody answers for are listed last
