"""Locks held across processes on the programme's database: a PostgreSQL advisory lock on its
own connection, or an exclusive file lock beside the SQLite file. Either goes away with its
holder's connection or process, so a crashed holder never leaves it taken.

Used for the one active scheduler (`scheduler.leader`) and for one workbook sync at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine


def lock_key(purpose: str, programme_id: str) -> int:
    """A stable signed 64-bit advisory-lock key per purpose and programme."""
    digest = hashlib.sha256(f"semaforo-{purpose}:{programme_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class DatabaseLock:
    """An exclusive lock named by purpose and programme; `release()` gives it up."""

    def __init__(self, engine: Engine, purpose: str, programme_id: str) -> None:
        self.engine = engine
        self.purpose = purpose
        self.programme_id = programme_id
        self.key = lock_key(purpose, programme_id)
        self._connection: Connection | None = None
        self._file: IO[Any] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._connection is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this object now holds it."""
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            return self._try_postgres()
        return self._try_file()

    def acquire_within(self, seconds: float, *, every: float = 0.1) -> bool:
        """Wait up to `seconds` for the lock; False when another holder kept it all along."""
        deadline = time.monotonic() + seconds
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(every)
        return True

    def release(self) -> None:
        """Give the lock up (closing its connection or file does it too)."""
        if self._connection is not None:
            try:
                self._connection.execute(text("select pg_advisory_unlock(:k)"), {"k": self.key})
            finally:
                self._connection.close()
                self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> DatabaseLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _try_postgres(self) -> bool:
        connection = self.engine.connect()
        try:
            # Advisory locks are database-wide; the programme's data lives in a schema, so two
            # deployments (or test runs) in one database each get their own lock.
            schema = connection.execute(text("select current_schema()")).scalar()
            self.key = lock_key(self.purpose, f"{schema}/{self.programme_id}")
            got = connection.execute(
                text("select pg_try_advisory_lock(:k)"), {"k": self.key}
            ).scalar()
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _try_file(self) -> bool:
        database = self.engine.url.database or ""
        if not database or database == ":memory:":
            return True  # a private in-memory database has nobody to share with
        handle = open(Path(database).with_suffix(f".{self.purpose}.lock"), "a+")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True
