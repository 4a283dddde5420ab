"""The log of workbook syncs: one row per run with what it read and changed.

Every function takes the session of the caller's transaction as a keyword argument.
"""

from __future__ import annotations

from sqlmodel import Session

from semaforo.store import models


def record_run(*, session: Session, run: models.SyncRun) -> None:
    """Store a sync run (its own transaction when the sync itself failed)."""
    session.add(run)
    session.flush()
