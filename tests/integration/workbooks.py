"""Helpers for tests on a real .xlsx capture workbook: find a row, type into cells, count rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, func, select

from semaforo.catalogue.files import catalogues_root
from semaforo.store.engine import transaction

PAT = "pat-inm-2019"
SAMPLE = (catalogues_root() / PAT / "sample-captures.csv").read_text(encoding="utf-8")


def rows_in(engine: Engine, table: type[SQLModel]) -> int:
    with transaction(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def find_row(path: Path, tab: str, code: str, office: str = "") -> int:
    ws = load_workbook(path)[tab]
    for row in ws.iter_rows(min_row=3):
        if row[0].value == code and (row[1].value or "") == office:
            return row[0].row
    raise AssertionError(f"{code} not in {tab}")


def type_cells(path: Path, tab: str, cells: dict[str, Any]) -> None:
    book = load_workbook(path)
    for address, value in cells.items():
        book[tab][address] = value
    book.save(path)
