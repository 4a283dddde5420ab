"""Alembic environment: runs the scripts on the connection `semaforo.store.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from semaforo.store import (
    migrate,
    models,  # noqa: F401  (models registers the tables on the metadata)
)
from semaforo.store.engine import make_engine


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite alters a table by copying it; batch mode writes scripts that do that.
        render_as_batch=connection.dialect.name == "sqlite",
        version_table_schema=migrate.version_table_schema(connection),
        include_object=migrate.include_object,
        render_item=migrate.render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run on the caller's connection, or (`alembic` tools) on `sqlalchemy.url`."""
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported; run them on a database")
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("give a connection in config.attributes or a sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


main()
