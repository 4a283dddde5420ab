"""Schema migrations: bring any database to the newest schema with the bundled Alembic scripts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from semaforo.errors import SemaforoError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

# Tables that are not ours: autogenerate must neither drop them nor report them. The version
# table is named with its schema on PostgreSQL, which Alembic's own filter does not match.
IGNORED_TABLES = frozenset({"apscheduler_jobs", "alembic_version"})

# The tables `SQLModel.metadata.create_all` made before there were migrations (revision 0001).
_CREATE_ALL_TABLES = frozenset(
    {
        "programme",
        "unit",
        "indicator",
        "monthtarget",
        "capture",
        "capturehistory",
        "owner",
        "ownerunit",
        "syncrun",
        "invite",
    }
)

# Such a database is stamped at the newest revision whose tables are all there, then upgraded;
# 0002 because the commit that added `reminder` still made it with create_all.
CREATE_ALL_SCHEMAS: tuple[tuple[str, frozenset[str]], ...] = (
    ("0002", _CREATE_ALL_TABLES | {"reminder"}),
    ("0001", _CREATE_ALL_TABLES),
)

# PostgreSQL advisory lock that serialises concurrent upgrades; the two-number form is a key
# space of its own, apart from the scheduler's one-number leader locks.
_LOCK = {"space": 0x5E4A, "key": 1}


class SchemaNotRecognised(SemaforoError):
    """A database with some of the tables but not all of them, and no migration history."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "la base de datos tiene tablas de Semáforo pero le faltan "
            f"{', '.join(missing)} y no tiene historial de migraciones; revísela a mano"
        )


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade did: the revision it was at (None: empty), the one after, those applied."""

    # A database made by `create_all` counts as being at the revision it was stamped with.
    before: str | None
    after: str
    applied: list[str]


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the bundled scripts, on this connection if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts() -> ScriptDirectory:
    # The scripts ship with the package and never change while it runs: read them once.
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision of the bundled scripts."""
    revision = _scripts().get_current_head()
    assert revision is not None, "the migrations folder has no revisions"
    return revision


def version_table_schema(connection: Connection) -> str | None:
    """The schema unqualified tables are created in (PostgreSQL), so the version table is too."""
    if connection.dialect.name != "postgresql":
        return None
    schema: str | None = connection.execute(text("select current_schema()")).scalar()
    return schema


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave tables that are not ours out of autogenerate comparisons."""
    return not (type_ == "table" and name in IGNORED_TABLES)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render SQLModel's column types as the plain `sa` types they store as."""
    # A script must keep meaning what it meant when written, whatever sqlmodel does later.
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(
        connection, opts={"version_table_schema": version_table_schema(connection)}
    )
    return context.get_current_revision()


def current(engine: Engine) -> str | None:
    """The revision the database is at; None when it has no migration history."""
    with engine.connect() as connection:
        return _current(connection)


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database is at the newest revision."""
    return current(engine) == head()


def _adopt(connection: Connection) -> str | None:
    """Stamp a database made by the old `create_all`; the revision stamped, None if empty."""
    tables = set(inspect(connection).get_table_names(schema=version_table_schema(connection)))
    for revision, expected in CREATE_ALL_SCHEMAS:
        if expected <= tables:
            log.info("database made without migrations: stamped at %s", revision)
            command.stamp(config(connection), revision)
            return revision
    oldest = CREATE_ALL_SCHEMAS[-1][1]
    if oldest & tables:
        raise SchemaNotRecognised(sorted(oldest - tables))
    return None


@contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole upgrade, holding the write lock: concurrent starts wait."""
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("select pg_advisory_xact_lock(:space, :key)"), _LOCK)
                yield connection
            return
        # SQLite's recipe for changing tables: foreign keys off (they cannot be switched inside
        # a transaction) so a batch migration may copy a table that others point at.
        enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                # pysqlite begins no transaction before DDL: each statement would commit (and
                # sync the file) alone, slowly, and a failed upgrade would leave half a schema.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        finally:
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
            connection.commit()


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (roll back) an upgrade that left rows pointing at nothing; SQLite did not check."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"the upgrade broke foreign keys: {broken[:5]}")


def upgrade(engine: Engine, revision: str = "head") -> Upgrade:
    """Bring the database to `revision` in one transaction; a database made by `create_all` too."""
    scripts = _scripts()
    target = scripts.get_revision(revision).revision
    if current(engine) == target:  # the usual start: nothing to do, no need to lock
        return Upgrade(before=target, after=target, applied=[])
    with _exclusive(engine) as connection:
        before = _current(connection)  # again: another process may have upgraded meanwhile
        if before is None:
            before = _adopt(connection)
        if before != target:
            command.upgrade(config(connection), revision)
            _check_foreign_keys(connection)
        after = _current(connection)
    assert after is not None, f"upgrade to {revision} left no revision"
    applied = [step.revision for step in reversed(list(scripts.iterate_revisions(after, before)))]
    if applied:
        log.info("database upgraded from %s to %s: %s", before, after, ", ".join(applied))
    return Upgrade(before=before, after=after, applied=applied)
