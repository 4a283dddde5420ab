"""Re-running `sheet init` on a workbook people use is a merge, never a rewrite: what they typed
and nobody synced yet, the columns they added and the types of their values all survive; a
failed write leaves the file as it was."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from semaforo import service
from semaforo.people.owners import list_owners
from sheets_sync.sync import init_workbook, sync
from sheets_sync.workbook import WorkbookError
from sheets_sync.xlsx import XlsxWorkbook
from tests.integration.workbooks import PAT, find_row, type_cells


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these are tests of the workbook. The merge applies edits through the sync's
    own path, which the sync tests run on both databases; `unsynced_edits_survive_init` is run
    on both from test_xlsx_sync."""
    return f"sqlite:///{tmp_path / 'semaforo.db'}"


def _type_text(path: Path, tab: str, address: str, text: str) -> None:
    """Text typed as text (Excel's leading apostrophe), even when it starts with `=`."""
    book = load_workbook(path)
    cell = book[tab][address]
    cell.value, cell.data_type = text, "s"
    book.save(path)


def _cells(path: Path) -> dict[str, list[list[object]]]:
    book = load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def unsynced_edits_survive_init(engine: Engine, ready: XlsxWorkbook) -> None:
    catalogue_row = find_row(ready.path, "Catálogo", "2.3.1")
    owners = load_workbook(ready.path)["Responsables"]
    new_owner = owners.max_row + 1
    capture_row = find_row(ready.path, "Marzo 2019", "2.3.2")
    type_cells(ready.path, "Catálogo", {  # Mar meta 100 -> 80, a modification with its reason
        f"P{catalogue_row}": 80, f"AJ{catalogue_row}": "Recorte de personal",
    })  # fmt: skip
    type_cells(ready.path, "Responsables", {
        f"A{new_owner}": "Rosa Díaz", f"B{new_owner}": "rosa@inm.gob.mx",
        f"D{new_owner}": "captura", f"E{new_owner}": "2.3",
    })  # fmt: skip
    type_cells(ready.path, "Marzo 2019", {f"G{capture_row}": 41, f"H{capture_row}": 50})
    _type_text(ready.path, "Marzo 2019", f"J{capture_row}", "=ver anexo")  # fmt: skip

    done = init_workbook(engine, ready, PAT)

    assert done.merged is not None and done.merged.catalogue_changes == 1
    march = load_workbook(ready.path)["Marzo 2019"]
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    assert march[f"F{row}"].value == 80  # the month tab shows the new target
    assert load_workbook(ready.path)["Catálogo"][f"P{catalogue_row}"].value == 80
    assert "Rosa Díaz" in {o.name for o in list_owners(engine, PAT)}
    assert any(r[0] == "Rosa Díaz" for r in _cells(ready.path)["Responsables"])
    row = find_row(ready.path, "Marzo 2019", "2.3.2")
    assert (march[f"G{row}"].value, march[f"H{row}"].value) == (41, 50)
    assert march[f"J{row}"].value == "=ver anexo" and march[f"J{row}"].data_type == "s"
    node = service.status(engine, PAT, code="2.3.2", period="2019-03").node
    assert node.score is not None


def test_an_emptied_value_stays_empty_after_init(engine: Engine, ready: XlsxWorkbook) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    type_cells(ready.path, "Marzo 2019", {f"G{row}": 45, f"H{row}": 50})
    sync(engine, ready, PAT)
    type_cells(ready.path, "Marzo 2019", {f"{c}{row}": None for c in "GHIJK"})

    done = init_workbook(engine, ready, PAT)

    assert done.merged is not None and done.merged.cleared == 1
    march = load_workbook(ready.path)["Marzo 2019"]
    assert [march[f"{c}{row}"].value for c in "GHIJK"] == [None] * 5


def test_a_column_people_added_keeps_its_values_on_their_rows(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    type_cells(ready.path, "Marzo 2019", {"M2": "Notas internas", f"M{row}": "revisar con 2.3"})
    book = load_workbook(ready.path)
    book["Marzo 2019"].insert_rows(3, 1)  # and a row inserted at the top moves 2.3.1 down
    book.save(ready.path)

    init_workbook(engine, ready, PAT)

    march = load_workbook(ready.path)["Marzo 2019"]
    header = [c.value for c in march[2]]
    assert "Notas internas" in header
    col = header.index("Notas internas") + 1
    row = find_row(ready.path, "Marzo 2019", "2.3.1")
    assert march.cell(row=row, column=col).value == "revisar con 2.3"


def test_typed_numbers_stay_numbers_and_the_file_keeps_its_mode(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    os.chmod(ready.path, 0o644)
    init_workbook(engine, ready, PAT)

    assert ready.path.stat().st_mode & 0o777 == 0o644
    march = load_workbook(ready.path)["Marzo 2019"]
    typed = [c for row in march.iter_rows(min_row=3, min_col=7, max_col=9) for c in row
             if c.value is not None]  # fmt: skip
    assert len(typed) > 100
    assert all(isinstance(c.value, int | float) for c in typed), [
        c.value for c in typed if not isinstance(c.value, int | float)
    ][:5]


def test_a_month_in_conflict_stops_init_and_leaves_the_file_as_it_was(
    engine: Engine, ready: XlsxWorkbook
) -> None:
    type_cells(ready.path, "Marzo 2019", {"A1": "SEMÁFORO · CAPTURA · pat-inm-2019 · 2019-04"})
    before = _cells(ready.path)

    with pytest.raises(WorkbookError, match=r"«Marzo 2019» y «Abril 2019»"):
        init_workbook(engine, ready, PAT)

    assert _cells(ready.path) == before


def _limited(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_failed_write_leaves_the_workbook_cell_for_cell_as_it_was(
    built: Path, tmp_path: Path
) -> None:
    path = tmp_path / "pat.xlsx"
    shutil.copyfile(built, path)
    row = find_row(path, "Marzo 2019", "2.3.1")
    type_cells(path, "Marzo 2019", {f"G{row}": 45, f"H{row}": 50})
    before = _cells(path)
    # An in-memory database, so that only the workbook is written to disk; files may grow to
    # a tenth of the workbook, so its new copy cannot be written whole.
    env = {**os.environ, "SEMAFORO_DATABASE_URL": "sqlite://", "SEMAFORO_WORKBOOK": str(path)}
    limit = path.stat().st_size // 10
    failed = subprocess.run(
        [sys.executable, "-m", "app.cli", "sheet", "init"], env=env, capture_output=True,
        text=True, timeout=300, preexec_fn=lambda: _limited(limit),
    )  # fmt: skip

    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr and failed.stderr.strip().count("\n") == 0
    assert "libro" in failed.stderr
    assert _cells(path) == before
    assert not list(tmp_path.glob("*.xlsx.tmp"))


def test_a_sync_that_could_not_read_a_month_exits_non_zero_and_says_what(
    built: Path, tmp_path: Path
) -> None:
    path = tmp_path / "pat.xlsx"
    shutil.copyfile(built, path)
    book = load_workbook(path)
    del book["Abril 2019"]
    book.save(path)
    env = {**os.environ, "SEMAFORO_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "SEMAFORO_WORKBOOK": str(path)}  # fmt: skip

    done = subprocess.run([sys.executable, "-m", "app.cli", "sync"], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip

    assert done.returncode == 1
    assert "Abril 2019" in done.stderr and "no se leyeron" in done.stderr
    assert "sincronización" in done.stdout  # what it could read was applied
