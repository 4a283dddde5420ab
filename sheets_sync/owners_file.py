"""People from a CSV file with the «Responsables» tab's columns (Nombre, Correo, Telegram, Rol,
Unidades): the same checks and the same outcome as typing them into the workbook."""

from __future__ import annotations

import csv
import io

from sqlalchemy.engine import Engine

from semaforo import service
from semaforo.store import roster
from semaforo.store.engine import transaction
from sheets_sync.catalogue_tab import parse_owners_tab, split_units
from sheets_sync.cells import CellIssue
from sheets_sync.workbook import TabSnapshot


def import_owners(
    engine: Engine, programme_id: str, text: str, *, name: str
) -> tuple[int, list[CellIssue], list[str]]:
    """Create or update the people of a CSV; how many changed, the rejected cells, problems."""
    rows = tuple(tuple(cell.strip() for cell in row) for row in csv.reader(io.StringIO(text)))
    catalogue = service.programme(engine, programme_id).catalogue
    issues: list[CellIssue] = []
    problems: list[str] = []
    people = parse_owners_tab(TabSnapshot(name, 0, rows), catalogue, issues, problems)
    if people is None:
        return 0, issues, problems
    with transaction(engine) as session:
        changed = roster.upsert_owners(
            session=session, programme_id=programme_id,
            owners=[(o.name, o.email, o.telegram, o.role, split_units(o.units)) for o in people],
        )  # fmt: skip
    return changed, issues, problems
