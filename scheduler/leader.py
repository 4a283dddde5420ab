"""Only one instance runs the scheduler: a PostgreSQL advisory lock (or a file lock for SQLite)
decides; the other instances wait and take over when the holder dies (the lock goes with its
connection or process)."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("semaforo.scheduler")


def lock_key(programme_id: str) -> int:
    """A stable signed 64-bit key per programme."""
    digest = hashlib.sha256(f"semaforo-scheduler:{programme_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    """Try to become the one scheduler; `release()` gives it up."""

    def __init__(self, engine: Engine, programme_id: str) -> None:
        self.engine = engine
        self.key = lock_key(programme_id)
        self._connection: Connection | None = None
        self._file: IO[Any] | None = None

    def try_acquire(self) -> bool:
        """Take the lock if free; True when this instance now leads."""
        if self.engine.dialect.name == "postgresql":
            return self._try_postgres()
        return self._try_file()

    async def acquire(self, stop: asyncio.Event, *, every: float = 5.0) -> bool:
        """Wait until this instance leads (True) or until stop is set (False)."""
        while not stop.is_set():
            if await asyncio.to_thread(self.try_acquire):
                return True
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                continue
        return False

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

    def _try_postgres(self) -> bool:
        if self._connection is not None:
            return True
        connection = self.engine.connect()
        got = connection.execute(text("select pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        connection.commit()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _try_file(self) -> bool:
        if self._file is not None:
            return True
        database = self.engine.url.database or ""
        if not database or database == ":memory:":
            return True  # a private in-memory database has nobody to share with
        handle = open(Path(database).with_suffix(".scheduler.lock"), "a+")  # noqa: SIM115
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
