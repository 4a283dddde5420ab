"""Modifying an approved target with `semaforo catalogue modify`'s service, on SQLite and
PostgreSQL: the score follows the target in force, the approved one and the history are kept,
and the cached programme sees the change at once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from scoring import MonthPlan
from semaforo import service
from semaforo.catalogue.export import catalogue_json
from semaforo.errors import TargetNotModified, UnknownCode
from semaforo.formatting import status_json, status_text
from semaforo.store import models
from semaforo.store.engine import transaction
from semaforo.store.programmes import apply_plans
from semaforo.targets import COMMAND
from tests.integration.workbooks import PAT, SAMPLE

AS_OF = dt.date(2019, 4, 10)
WHEN = dt.datetime(2019, 3, 20, 12, 0, tzinfo=dt.UTC)
REASON = "Reprogramación aprobada por oficio DGCVM/123: personal comisionado"


@pytest.fixture
def pat(engine: Engine) -> Engine:
    service.import_captures(engine, PAT, SAMPLE, source="csv:sample")
    return engine


def march(engine: Engine) -> service.StatusAnswer:
    return service.status(engine, PAT, code="2.3.1", period="2019-03", as_of=AS_OF)


def test_a_modified_target_is_scored_and_the_approved_one_kept_with_its_reason(
    pat: Engine,
) -> None:
    before = march(pat)  # the sample's capture against the approved 100%
    assert before.node.score is not None and before.modifications == ()

    change = service.modify_target(
        pat, PAT, code="2.3.1", month="mar", target="90", reason=REASON, at=WHEN
    )

    after = march(pat)  # the cached programme was re-read: its stamp moved
    assert after.node.score == pytest.approx(before.node.score * 100 / 90)  # the same achieved
    assert after.node.programmed == 90.0
    assert (change.approved, change.before, change.after) == (
        MonthPlan(100.0, 25.0),
        MonthPlan(100.0, 25.0),
        MonthPlan(90.0, 25.0),
    )
    [shown] = after.modifications
    assert (shown.reason, shown.source, shown.approved.target) == (REASON, COMMAND, 100.0)
    text = status_text(after.node, period=after.period, as_of=after.as_of,
                       modifications=after.modifications)  # fmt: skip
    assert "marzo: aprobada 100% (pond. 25) → vigente 90% (pond. 25)" in text
    assert f"motivo: «{REASON}» (comando, 2019-03-20)" in text
    doc = status_json(after.node, period=after.period, as_of=after.as_of,
                      modifications=after.modifications)  # fmt: skip
    assert doc["modified_targets"][0] | {"changed_at": None} == {
        "month": "mar", "office": "", "approved": {"target": 100.0, "weight": 25.0},
        "in_force": {"target": 90.0, "weight": 25.0}, "reason": REASON, "source": "command",
        "changed_at": None,
    }  # fmt: skip
    exported = {i["code"]: i for i in catalogue_json(service.programme(pat, PAT))["indicators"]}
    assert exported["2.3.1"]["months"]["mar"] == {
        "target": 90.0, "weight": 25.0, "approved": {"target": 100.0, "weight": 25.0},
        "reason": REASON,
    }  # fmt: skip
    assert exported["2.3.1"]["months"]["jun"] == {"target": 100.0, "weight": 25.0}
    with transaction(pat) as session:
        row = session.exec(select(models.MonthTarget).where(
            models.MonthTarget.indicator_code == "2.3.1", models.MonthTarget.month == 3
        )).one()  # fmt: skip
        assert (row.approved_target, row.target) == (100.0, 90.0)


def test_every_modification_is_kept_in_the_history(pat: Engine) -> None:
    service.modify_target(pat, PAT, code="2.3.1", month="marzo", target="90", reason="uno", at=WHEN)
    later = WHEN + dt.timedelta(days=5)
    service.modify_target(pat, PAT, code="2.3.1", month="2019-03", target="85", weight="20",
                          reason="dos", at=later)  # fmt: skip
    history = service.programme(pat, PAT).targets.changes
    assert [(c.before, c.after, c.approved, c.reason, c.changed_at) for c in history] == [
        (MonthPlan(100.0, 25.0), MonthPlan(90.0, 25.0), MonthPlan(100.0, 25.0), "uno", WHEN),
        (MonthPlan(90.0, 25.0), MonthPlan(85.0, 20.0), MonthPlan(100.0, 25.0), "dos", later),
    ]
    [shown] = march(pat).modifications  # only the one in force
    assert shown.reason == "dos"


def test_a_modification_outside_the_period_is_not_shown_with_it(pat: Engine) -> None:
    service.modify_target(pat, PAT, code="2.3.1", month="jun", target="90", reason=REASON)
    assert march(pat).modifications == ()


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ({"code": "2.3.1", "month": "mar", "target": "90", "reason": "  "}, "falta el motivo"),
        ({"code": "2.3.1", "month": "ene", "target": "90", "reason": REASON},
         "no tiene meta aprobada en enero de 2019"),
        ({"code": "2.3", "month": "mar", "target": "90", "reason": REASON}, "es una unidad"),
        ({"code": "2.3.1", "month": "T1", "target": "90", "reason": REASON}, "no es un mes"),
        ({"code": "2.3.1", "month": "mar", "target": "N/A", "reason": REASON},
         "la meta «N/A» no se puede leer"),
        ({"code": "2.3.1", "month": "mar", "target": "0", "reason": REASON}, "mayor que 0"),
        ({"code": "2.3.1", "month": "mar", "target": "100", "reason": REASON},
         "ya es 100 con ponderación 25: nada que modificar"),
        ({"code": "2.3.1", "month": "mar", "target": "90", "reason": REASON, "office": "OR-09"},
         "es un indicador central"),
    ],
)  # fmt: skip
def test_a_modification_that_cannot_be_made_says_why_and_changes_nothing(
    pat: Engine, asked: dict[str, str], said: str
) -> None:
    with pytest.raises(TargetNotModified, match=said):
        service.modify_target(pat, PAT, **asked)  # type: ignore[arg-type]
    assert march(pat).node.programmed == 100.0
    assert service.programme(pat, PAT).targets.changes == ()


def test_an_unknown_indicator_names_the_nearest_codes(pat: Engine) -> None:
    with pytest.raises(UnknownCode):
        service.modify_target(pat, PAT, code="2.3.9", month="mar", target="90", reason=REASON)


def test_an_office_indicators_targets_are_modified_on_the_row_that_set_them(pat: Engine) -> None:
    with transaction(pat) as session:  # the planning area approves 10.1 for every office
        apply_plans(
            session=session, programme_id=PAT, plans={("10.1", ""): {3: MonthPlan(95.0, 12.5)}}
        )
    assert service.programme(pat, PAT).targets.changes == ()  # an approval, not a modification
    with pytest.raises(TargetNotModified, match=r"OR-09 no tiene metas propias de 10\.1"):
        service.modify_target(pat, PAT, code="10.1", month="mar", target="90", reason=REASON,
                              office="OR-09")  # fmt: skip

    change = service.modify_target(pat, PAT, code="10.1", month="mar", target="90", reason=REASON)

    assert (change.office, change.approved, change.after) == (
        "", MonthPlan(95.0, 12.5), MonthPlan(90.0, 12.5),
    )  # fmt: skip
    assert service.programme(pat, PAT).catalogue.office_months["10.1"][""][3].target == 90.0
    [shown] = service.status(pat, PAT, code="10.1", period="2019-03", as_of=AS_OF).modifications
    assert shown.reason == REASON
