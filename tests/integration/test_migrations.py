"""Schema migrations on SQLite and PostgreSQL: from nothing, from the old schema, twice over."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, select, text
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel

from semaforo.store import migrate, models
from semaforo.store.engine import make_engine, transaction

PAT = "pat-inm-2019"
WHEN = dt.datetime(2019, 3, 4, 15, 30, tzinfo=dt.UTC)
# Every revision, oldest first: an empty database gets all of them.
REVISIONS = ["0001", "0002", "0003", "0004", "0005"]
# The tables of revision 0001: what databases made by `create_all` before migrations hold.
OLD_TABLES = [
    t for t in SQLModel.metadata.sorted_tables if t.name in migrate.CREATE_ALL_SCHEMAS[-1][1]
]


@pytest.fixture
def empty(database_url: str) -> Iterator[Engine]:
    """An engine on a database with no tables at all."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": migrate.include_object})
        return list(compare_metadata(context, SQLModel.metadata))


def columns(engine: Engine) -> dict[str, list[str]]:
    """Every table of the database's own schema, with its columns in order."""
    found = inspect(engine)
    return {name: [c["name"] for c in found.get_columns(name)] for name in found.get_table_names()}


def rows(engine: Engine) -> dict[str, list[Row[Any]]]:
    """Every row of the 0001 tables, in primary-key order (columns as the database has them:
    later revisions add some)."""
    with engine.connect() as conn:
        tables = [Table(t.name, MetaData(), autoload_with=conn) for t in OLD_TABLES]
        return {
            table.name: list(conn.execute(select(table).order_by(*table.primary_key.columns)))
            for table in tables
        }


def kept(after: dict[str, list[Row[Any]]], before: dict[str, list[Row[Any]]]) -> dict[str, Any]:
    """The rows of `after` with only the columns `before` had (revisions add theirs at the end)."""
    return {
        name: [tuple(row)[: len(before[name][0])] if before[name] else tuple(row) for row in found]
        for name, found in after.items()
    }


def fill(engine: Engine) -> int:
    """A programme with units, an indicator, its target, captures and an owner; the owner's id."""
    with transaction(engine) as session:
        session.add(models.Programme(id=PAT, name="PAT INM 2019", year=2019, loaded_at=WHEN))
        session.flush()  # no ORM relationships: the parent rows must be in before the children
        session.add_all(
            [
                models.Unit(programme_id=PAT, code="2", name="DGA Control", kind="dga"),
                models.Unit(
                    programme_id=PAT, code="2.3", name="DA 3", kind="area", parent_code="2"
                ),
                models.Indicator(
                    programme_id=PAT,
                    code="2.3.1",
                    unit_code="2.3",
                    name="Visitas atendidas",
                    kind="ratio",
                    annual_weight=2.5,
                ),
                models.Capture(
                    programme_id=PAT,
                    indicator_code="2.3.1",
                    year=2019,
                    month=3,
                    numerator=9,
                    denominator=10,
                    value=90.0,
                    updated_at=WHEN,
                ),
                models.Capture(
                    programme_id=PAT,
                    indicator_code="2.3.1",
                    office_code="OR-09",
                    year=2019,
                    month=3,
                    value=None,
                    justification="sin datos",
                    updated_at=WHEN,
                ),
                models.CaptureHistory(
                    programme_id=PAT,
                    indicator_code="2.3.1",
                    year=2019,
                    month=3,
                    change="created",
                    value=90.0,
                    seen_at=WHEN,
                ),
            ]
        )
        # March's target, with the columns the database has (0005 added the approved ones)
        targets = Table("monthtarget", MetaData(), autoload_with=session.connection())
        target = {"programme_id": PAT, "indicator_code": "2.3.1", "office_code": "", "month": 3}
        target |= {"target": 90.0, "weight": 1.0, "approved_target": 90.0, "approved_weight": 1.0}
        known = {k: v for k, v in target.items() if k in targets.c}
        session.execute(targets.insert().values(known))
        owner = models.Owner(programme_id=PAT, name="Ana Pérez", role="capture", telegram_id=111)
        session.add(owner)
        session.flush()
        assert owner.id is not None
        session.add(models.OwnerUnit(owner_id=owner.id, unit_code="2.3"))
        return owner.id


def claim(engine: Engine, owner_id: int) -> None:
    """Claim the March due-soon reminder of this owner in the ledger."""
    with transaction(engine) as session:
        session.add(
            models.Reminder(
                programme_id=PAT,
                owner_id=owner_id,
                kind="due_soon",
                period="2019-03",
                indicators="2.3.1",
                claimed_at=WHEN,
            )
        )


def link(engine: Engine) -> None:
    """Store where March's 2.3.1 row is in the workbook."""
    with transaction(engine) as session:
        session.add(
            models.RowLink(
                programme_id=PAT, month=3, indicator_code="2.3.1", link="file:///pat.xlsx#A5"
            )
        )


def test_an_empty_database_gets_exactly_the_tables_of_the_models(empty: Engine) -> None:
    done = migrate.upgrade(empty)
    assert migrate.head() == REVISIONS[-1]
    assert done == migrate.Upgrade(before=None, after=migrate.head(), applied=REVISIONS)
    expected = {t.name: [c.name for c in t.columns] for t in SQLModel.metadata.sorted_tables}
    # The version table sits with the tables, in the schema the connection's search_path names.
    assert columns(empty) == expected | {"alembic_version": ["version_num"]}
    assert differences(empty) == []


def test_is_up_to_date_only_after_the_upgrade(empty: Engine) -> None:
    assert (migrate.current(empty), migrate.is_up_to_date(empty)) == (None, False)
    migrate.upgrade(empty)
    assert (migrate.current(empty), migrate.is_up_to_date(empty)) == (migrate.head(), True)


@pytest.mark.parametrize("made_by", ["migration 0001", "create_all"])
def test_an_old_database_keeps_every_row_and_gains_the_reminder_ledger_and_row_links(
    empty: Engine, made_by: str
) -> None:
    migrate.upgrade(empty, "0001")
    if made_by == "create_all":  # what create_all left: the same tables, and no version table
        with empty.begin() as conn:
            conn.execute(text("drop table alembic_version"))
    owner_id = fill(empty)
    before = rows(empty)
    assert "reminder" not in inspect(empty).get_table_names()
    assert not migrate.is_up_to_date(empty)

    done = migrate.upgrade(empty)

    assert done == migrate.Upgrade(before="0001", after=migrate.head(), applied=REVISIONS[1:])
    assert migrate.is_up_to_date(empty)
    after = rows(empty)
    assert kept(after, before) == {name: [tuple(r) for r in rs] for name, rs in before.items()}
    assert sum(len(found) for found in before.values()) == 10
    # the targets in force until now are the approved ones (nothing was modified before 0005)
    assert [(t.approved_target, t.approved_weight) for t in after["monthtarget"]] == [(90.0, 1.0)]
    assert differences(empty) == []
    claim(empty, owner_id)
    with pytest.raises(IntegrityError):  # the ledger's unique key: a reminder is claimed once
        claim(empty, owner_id)
    link(empty)
    with pytest.raises(IntegrityError):  # one link per capture row of a month
        link(empty)


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    owner_id = fill(engine)
    claim(engine, owner_id)
    tables, data = columns(engine), rows(engine)
    done = migrate.upgrade(engine)
    assert done == migrate.Upgrade(before=migrate.head(), after=migrate.head(), applied=[])
    assert (columns(engine), rows(engine)) == (tables, data)


def test_a_create_all_database_that_has_the_ledger_is_stamped_at_0002(empty: Engine) -> None:
    migrate.upgrade(empty, "0002")
    with empty.begin() as conn:
        conn.execute(text("drop table alembic_version"))
    assert migrate.upgrade(empty) == migrate.Upgrade(
        before="0002", after=migrate.head(), applied=REVISIONS[2:]
    )
    assert migrate.is_up_to_date(empty)
    assert differences(empty) == []


def test_a_database_with_only_some_of_the_tables_is_refused(empty: Engine) -> None:
    with empty.begin() as conn:
        SQLModel.metadata.tables["programme"].create(conn)
    with pytest.raises(migrate.SchemaNotRecognised, match="capture"):
        migrate.upgrade(empty)
    assert migrate.current(empty) is None


def test_the_scheduler_table_is_left_out_of_comparisons(engine: Engine) -> None:
    jobs = Table(
        "apscheduler_jobs",
        MetaData(),
        Column("id", String(191), primary_key=True),
        Column("next_run_time", Integer),
    )
    with engine.begin() as conn:
        jobs.create(conn)
    assert differences(engine) == []
    with engine.connect() as conn:  # without the filter, autogenerate would drop the table
        unfiltered = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert [(op, table.name) for op, table in unfiltered] == [("remove_table", "apscheduler_jobs")]
    assert migrate.upgrade(engine).applied == []


def test_a_failed_upgrade_leaves_the_database_as_it_was(empty: Engine) -> None:
    stray = Table("reminder", MetaData(), Column("id", Integer, primary_key=True))
    with empty.begin() as conn:
        stray.create(conn)  # 0002 cannot create its table: the upgrade fails after 0001 ran
    with pytest.raises(DBAPIError, match="reminder"):
        migrate.upgrade(empty)
    assert sorted(inspect(empty).get_table_names()) == ["reminder"]


def test_foreign_keys_are_still_enforced_after_an_upgrade(engine: Engine) -> None:
    # On SQLite the upgrade switched them off on its pooled connection; they must be back on.
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.add(models.Unit(programme_id="nowhere", code="2", name="DGA", kind="dga"))


def _start_up(url: str, start: Barrier, answers: Queue[migrate.Upgrade]) -> None:
    """One instance of the service starting: its own engine, the upgrade, what it did."""
    engine = make_engine(url)
    start.wait(timeout=60)
    answers.put(migrate.upgrade(engine))
    engine.dispose()


def test_two_instances_starting_at_once_upgrade_once(database_url: str) -> None:
    # Processes, not threads: Alembic's `op` and `context` are process-wide.
    spawn = multiprocessing.get_context("spawn")
    start, answers = spawn.Barrier(2), spawn.Queue()
    instances = [spawn.Process(target=_start_up, args=(database_url, start, answers)) for _ in "ab"]
    for instance in instances:
        instance.start()
    try:
        done = [answers.get(timeout=60) for _ in instances]
    finally:
        for instance in instances:
            instance.join(timeout=10)
            if instance.is_alive():
                instance.terminate()
    assert sorted(upgrade.applied for upgrade in done) == [[], REVISIONS]
