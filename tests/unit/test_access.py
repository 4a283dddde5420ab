"""Who sees what: planning everything, the others their units and below."""

from __future__ import annotations

from semaforo.catalogue.files import load_programme
from semaforo.people.access import may_see, visible_units

PAT = load_programme("pat-inm-2019").catalogue


def test_planning_sees_everything() -> None:
    assert visible_units(PAT, role="planning", units=[]) is None
    assert may_see(PAT, "7.3.1", visible=None)


def test_a_director_of_a_general_directorate_sees_its_whole_subtree() -> None:
    visible = visible_units(PAT, role="director", units=["2"])
    assert visible is not None
    assert {"2", "2.1", "2.1.1", "2.3"} <= visible and "3" not in visible
    assert may_see(PAT, "2.1.1.2", visible=visible)
    assert not may_see(PAT, "3.1.1", visible=visible)


def test_capture_staff_see_their_area_and_its_indicators_only() -> None:
    visible = visible_units(PAT, role="capture", units=["2.3"])
    assert visible == frozenset({"2.3"})
    assert may_see(PAT, "2.3.1", visible=visible) and not may_see(PAT, "2", visible=visible)


def test_an_office_sees_the_office_indicators() -> None:
    visible = visible_units(PAT, role="capture", units=["OR-09"])
    assert visible is not None and may_see(PAT, "10.1", visible=visible)
    assert not may_see(PAT, "10", visible=visible)


def test_unknown_codes_see_nothing() -> None:
    visible = visible_units(PAT, role="director", units=["99"])
    assert visible == frozenset() and not may_see(PAT, "nada", visible=visible)
