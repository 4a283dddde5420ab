"""Only one instance runs the scheduler: a PostgreSQL advisory lock (or a file lock for SQLite)
decides; the other instances wait and take over when the holder dies (the lock goes with its
connection or process)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine

from semaforo.store.locks import DatabaseLock

log = logging.getLogger("semaforo.scheduler")


class Leadership:
    """Try to become the one scheduler; `release()` gives it up."""

    def __init__(self, engine: Engine, programme_id: str) -> None:
        self._lock = DatabaseLock(engine, "scheduler", programme_id)

    def try_acquire(self) -> bool:
        """Take the lock if free; True when this instance now leads."""
        return self._lock.try_acquire()

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
        self._lock.release()
