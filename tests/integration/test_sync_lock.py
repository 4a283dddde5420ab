"""One sync at a time per programme: two syncs started together never apply the same change
twice, on SQLite (a file lock) and on PostgreSQL (an advisory lock)."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from semaforo import service
from semaforo.catalogue.files import catalogues_root
from semaforo.store import models
from semaforo.store.engine import create_schema, make_engine, transaction
from semaforo.store.locks import DatabaseLock
from sheets_sync.sync import BUSY, SyncReport, init_workbook, sync
from sheets_sync.workbook import TabSnapshot, WorkbookSnapshot
from sheets_sync.xlsx import XlsxWorkbook

PAT = "pat-inm-2019"
SAMPLE = (catalogues_root() / PAT / "sample-captures.csv").read_text(encoding="utf-8")


class SnapshotWorkbook:
    """A workbook that reads back a snapshot held in memory (the .xlsx read once)."""

    def __init__(self, snapshot: WorkbookSnapshot) -> None:
        self.snapshot = snapshot
        self.reads = 0

    def read(self) -> WorkbookSnapshot:
        self.reads += 1
        return self.snapshot

    def write(self, tabs: object, *, remove: tuple[str, ...] = ()) -> int:
        raise AssertionError("a sync never writes")

    def link_to(self, tab: TabSnapshot | str, row: int) -> str:
        return f"memory#{tab if isinstance(tab, str) else tab.title}!A{row}"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> WorkbookSnapshot:
    """The PAT 2019 workbook as `sheet init` builds it, read once."""
    folder = tmp_path_factory.mktemp("lock")
    engine = make_engine(f"sqlite:///{folder / 'db.sqlite'}")
    create_schema(engine)
    init_workbook(engine, XlsxWorkbook(folder / "pat.xlsx"), PAT)
    engine.dispose()
    return XlsxWorkbook(folder / "pat.xlsx").read()


def _typed(snapshot: WorkbookSnapshot, round_: int) -> WorkbookSnapshot:
    """March's 2.3.1 row with this round's figures (numerator changes every round)."""
    tabs = []
    for tab in snapshot.tabs:
        if tab.rows and tab.rows[0] and tab.rows[0][0].endswith("2019-03"):
            header = tab.rows[1]
            col = {h: i for i, h in enumerate(header)}
            rows = list(tab.rows)
            for r, row in enumerate(rows):
                if row and row[0] == "2.3.1":
                    cells = list(row) + [""] * (len(header) - len(row))
                    cells[col["Numerador"]] = str(90 + round_)
                    cells[col["Denominador"]] = "200"
                    rows[r] = tuple(cells)
            tab = dataclasses.replace(tab, rows=tuple(rows))
        tabs.append(tab)
    return WorkbookSnapshot(tabs=tuple(tabs))


def _history(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.exec(select(func.count()).select_from(models.CaptureHistory)).one())


def _sync_after(
    start: threading.Barrier, engine: Engine, workbook: SnapshotWorkbook, into: list[SyncReport]
) -> None:
    start.wait()
    into.append(sync(engine, workbook, PAT, name="concurrent", wait=60))


def test_two_syncs_at_once_never_write_the_same_change_twice(
    engine: Engine, database_url: str, snapshot: WorkbookSnapshot
) -> None:
    service.programme(engine, PAT)
    others = [make_engine(database_url) for _ in range(2)]
    try:
        for round_ in range(10):
            workbook = SnapshotWorkbook(_typed(snapshot, round_))
            before = _history(engine)
            reports: list[SyncReport] = []
            start = threading.Barrier(2)

            threads = [
                threading.Thread(target=_sync_after, args=(start, e, workbook, reports))
                for e in others
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert [r.outcome for r in reports] == ["ok", "ok"], [r.message for r in reports]
            # the first applies this round's change (created, then changed), the second nothing
            assert sorted(r.total_changes for r in reports) == [0, 1]
            assert _history(engine) == before + 1
    finally:
        for e in others:
            e.dispose()


def test_a_sync_that_cannot_get_the_lock_says_so_and_reads_nothing(
    engine: Engine, snapshot: WorkbookSnapshot
) -> None:
    service.programme(engine, PAT)
    workbook = SnapshotWorkbook(snapshot)
    with DatabaseLock(engine, "sync", PAT) as holder:
        assert holder.try_acquire()
        report = sync(engine, workbook, PAT, name="second", wait=0.2)
    assert report.outcome == "failed" and report.message == BUSY
    assert "otra sincronización está en curso" in report.message
    assert workbook.reads == 0
    assert "SELECT" not in report.message.upper()


def test_the_lock_is_free_again_once_its_holder_is_gone(engine: Engine, tmp_path: Path) -> None:
    first = DatabaseLock(engine, "sync", PAT)
    assert first.try_acquire()
    second = DatabaseLock(engine, "sync", PAT)
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()
