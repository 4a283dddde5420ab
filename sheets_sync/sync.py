"""`semaforo sync` and `semaforo sheet init`: read the grid, parse, apply in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from semaforo import service
from semaforo.catalogue.files import StoredProgramme
from semaforo.people.access import ROLE_WORDS
from semaforo.store import captures, models, programmes, roster, sync_runs
from semaforo.store.engine import transaction
from semaforo.store.locks import DatabaseLock
from semaforo.store.roster import OwnerView
from sheets_sync import layout
from sheets_sync.catalogue_tab import split_units
from sheets_sync.cells import CellIssue
from sheets_sync.keep import added_columns, typed_cells, with_added_columns
from sheets_sync.parse import ParsedWorkbook, RowKey, claim_tabs, parse_workbook
from sheets_sync.workbook import (
    Stored,
    TabLayout,
    TabSnapshot,
    Workbook,
    WorkbookError,
    WorkbookSnapshot,
)

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

BUSY = "otra sincronización está en curso; esta no leyó nada (la siguiente lo hará)"


@dataclass(slots=True)
class SyncReport:
    """What one sync run did, for the CLI, the scheduler and the run table."""

    run_id: int | None
    outcome: str
    started_at: dt.datetime
    finished_at: dt.datetime
    requests: int = 0
    cells_read: int = 0
    created: int = 0
    changed: int = 0
    cleared: int = 0
    catalogue_changes: int = 0
    owner_changes: int = 0
    links_changed: int = 0
    """Row links rewritten because rows moved; not counted as changes (nobody typed them)."""
    message: str = ""
    issues: list[CellIssue] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def rejected_issues(self) -> list[CellIssue]:
        """The rejected cells (their rows kept their last good values)."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def rejected(self) -> int:
        """How many cells were rejected (their rows kept their last good values)."""
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def total_changes(self) -> int:
        """Rows of captures, catalogue and owners this run changed."""
        return (
            self.created + self.changed + self.cleared + self.catalogue_changes + self.owner_changes
        )

    def as_json(self) -> dict[str, Any]:
        """The run as a JSON document (`semaforo sync --json`)."""
        return {
            "run": self.run_id, "outcome": self.outcome, "message": self.message,
            "started_at": self.started_at.isoformat(), "finished_at": self.finished_at.isoformat(),
            "requests": self.requests, "cells_read": self.cells_read,
            "created": self.created, "changed": self.changed, "cleared": self.cleared,
            "catalogue_changes": self.catalogue_changes, "owner_changes": self.owner_changes,
            "links_changed": self.links_changed, "rejected": self.rejected,
            "problems": self.problems,
            "issues": [
                {"tab": i.tab, "cell": i.cell, "value": i.value, "reason": i.reason,
                 "severity": i.severity, "unit": i.unit}
                for i in self.issues
            ],
        }  # fmt: skip


def sync(
    engine: Engine,
    workbook: Workbook,
    programme_id: str,
    *,
    name: str = "",
    clock: Clock = models.utcnow,
    wait: float = 10.0,
) -> SyncReport:
    """Pull the workbook into the database. Any failure leaves the database as it was.

    One sync at a time per programme: a second one waits up to `wait` seconds for the first to
    finish (it then reads what the first left, so nothing is applied twice), else gives up."""
    started = clock()
    report = SyncReport(run_id=None, outcome="failed", started_at=started, finished_at=started)
    stored = service.programme(engine, programme_id)
    with DatabaseLock(engine, "sync", programme_id) as lock:
        if lock.acquire_within(wait):
            _sync_locked(engine, workbook, programme_id, report, name=name, clock=clock,
                         stored=stored)  # fmt: skip
        else:
            report.message = BUSY
            report.finished_at = clock()
            with transaction(engine) as session:
                report.run_id = _record(session, programme_id, name, report)
    log.info(
        "sync %s: %s, %d requests, %d cells, %d changes, %d rejected",
        programme_id, report.outcome, report.requests, report.cells_read,
        report.total_changes, report.rejected,
    )  # fmt: skip
    return report


def _sync_locked(
    engine: Engine,
    workbook: Workbook,
    programme_id: str,
    report: SyncReport,
    *,
    name: str,
    clock: Clock,
    stored: StoredProgramme,
    snapshot: WorkbookSnapshot | None = None,
) -> None:
    started = report.started_at
    try:
        snapshot = snapshot or workbook.read()
        report.requests = snapshot.requests
        parsed = parse_workbook(snapshot, stored.catalogue, stored.targets)
        report.cells_read, report.issues, report.problems = (
            parsed.cells_read, parsed.issues, parsed.problems,
        )  # fmt: skip
        links = _row_links(workbook, parsed)
        with transaction(engine) as session:
            _apply(session, programme_id, parsed, report, source=f"sheet:{name}", seen=started,
                   links=links)  # fmt: skip
            report.outcome, report.finished_at = "ok", clock()
            report.run_id = _record(session, programme_id, name, report)
    except WorkbookError as exc:
        report.message = str(exc)
    except SQLAlchemyError as exc:  # its text holds SQL and parameters: the log only
        log.error("sync of %s failed in the database: %s", programme_id, type(exc).__name__)
        log.debug("sync of %s failed in the database", programme_id, exc_info=True)
        report.message = (
            f"la base de datos rechazó la sincronización ({type(exc).__name__}); nada se "
            "cambió, el detalle está en el registro del servicio"
        )
    except Exception as exc:  # the run must be recorded whatever broke; the data stays as it was
        log.exception("sync of %s failed", programme_id)
        report.message = f"error inesperado: {type(exc).__name__}: {exc}"
    if report.outcome != "ok":
        report.created = report.changed = report.cleared = 0
        report.catalogue_changes = report.owner_changes = report.links_changed = 0
        report.finished_at = clock()
        with transaction(engine) as session:
            report.run_id = _record(session, programme_id, name, report)


def _row_links(workbook: Workbook, parsed: ParsedWorkbook) -> dict[RowKey, str]:
    """A link opening the workbook at each capture row the parse found, for reminders."""
    return {
        key: workbook.link_to(parsed.month_tabs[key[0]], row)
        for key, (_title, row) in parsed.rows.items()
    }


def _apply(
    session: Session,
    programme_id: str,
    parsed: ParsedWorkbook,
    report: SyncReport,
    *,
    source: str,
    seen: dt.datetime,
    links: dict[RowKey, str],
) -> None:
    if parsed.catalogue is not None:
        report.catalogue_changes = programmes.apply_plans(
            session=session, programme_id=programme_id, plans=parsed.catalogue.plans,
            reasons=parsed.catalogue.reasons, source=source, at=seen,
        ) + programmes.apply_indicator_settings(
            session=session, programme_id=programme_id,
            thresholds=parsed.catalogue.thresholds, kinds=parsed.catalogue.kinds,
        )  # fmt: skip
    if parsed.owners is not None:
        report.owner_changes = roster.upsert_owners(
            session=session, programme_id=programme_id,
            owners=[
                (o.name, o.email, o.telegram, o.role, split_units(o.units)) for o in parsed.owners
            ],
        )  # fmt: skip
    stats = captures.apply_captures(
        session=session, programme_id=programme_id, rows=parsed.captures.values(),
        source=source, seen_at=seen,
    )  # fmt: skip
    report.created, report.changed = stats.created, stats.changed
    report.cleared = captures.clear_captures(
        session=session, programme_id=programme_id, keys=parsed.cleared, source=source,
        seen_at=seen,
    )  # fmt: skip
    report.links_changed = captures.apply_row_links(
        session=session, programme_id=programme_id, links=links, months=parsed.months_read
    )


def _record(session: Session, programme_id: str, name: str, report: SyncReport) -> int | None:
    run = models.SyncRun(
        programme_id=programme_id, workbook=name, started_at=report.started_at,
        finished_at=report.finished_at, requests=report.requests, cells_read=report.cells_read,
        changed=report.total_changes, rejected=report.rejected, outcome=report.outcome,
        message=report.message,
    )  # fmt: skip
    sync_runs.record_run(session=session, run=run)
    return run.id


Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class InitReport:
    """What `sheet init` did: the API requests, and what it first applied as a sync would."""

    requests: int
    merged: SyncReport | None


def init_workbook(
    engine: Engine,
    workbook: Workbook,
    programme_id: str,
    *,
    progress: Progress | None = None,
    clock: Clock = models.utcnow,
    wait: float = 10.0,
) -> InitReport:
    """Build or update the workbook from the catalogue: a merge, never a rewrite.

    What people typed and nobody synced yet is first applied to the database exactly as a sync
    would apply it (catalogue and owners edits, captures, cleared rows), under the sync lock;
    then the tabs are laid out from the database, with every typed cell written back as it was
    stored and every column people added kept. Tabs it does not own are left alone. A workbook
    whose tabs are in conflict (two claim one month) is not touched at all.
    """
    step = progress or (lambda done, total, what: None)
    step(0, 15, "leyendo el libro")
    try:
        snapshot = workbook.read()
    except WorkbookError as exc:
        if "no existe" not in str(exc):
            raise
        snapshot = None
    with DatabaseLock(engine, "sync", programme_id) as lock:
        if not lock.acquire_within(wait):
            raise WorkbookError(BUSY)
        merged = None
        tabs: dict[str, TabSnapshot] = {}
        if snapshot is not None:
            claimed = claim_tabs(snapshot, service.programme(engine, programme_id).catalogue)
            if claimed.conflicts:
                raise WorkbookError(
                    "«sheet init» no cambió nada: "
                    + "; ".join(claimed.conflicts.values())
                    + ". Deje una sola pestaña por mes y vuelva a correrlo"
                )
            tabs = claimed.tabs
            merged = SyncReport(run_id=None, outcome="failed", started_at=clock(),
                                finished_at=clock())  # fmt: skip
            stored = service.programme(engine, programme_id)
            _sync_locked(engine, workbook, programme_id, merged, name="sheet init", clock=clock,
                         stored=stored, snapshot=snapshot)  # fmt: skip
            if merged.outcome != "ok":
                raise WorkbookError(f"«sheet init» no cambió nada: {merged.message}")
        layouts = _layouts(engine, programme_id, tabs, step)
        requests = (snapshot.requests if snapshot else 0) + workbook.write(layouts)
    step(15, 15, "listo")
    return InitReport(requests=requests, merged=merged)


def _layouts(
    engine: Engine, programme_id: str, tabs: dict[str, TabSnapshot], step: Progress
) -> list[TabLayout]:
    """Every tab the product owns, from the database, keeping what people typed and added."""
    stored = service.programme(engine, programme_id)
    catalogue = stored.catalogue
    with transaction(engine) as session:
        db_rows = captures.export_captures(session=session, programme_id=programme_id)
        owners = roster.owners_with_units(session=session, programme_id=programme_id)
    reasons = {(c.indicator, c.office): c.reason for c in stored.targets.changes}  # the last
    layouts = [
        _keeping(layout.catalogue_tab(catalogue, title=_title(tabs, "catalogue", "Catálogo"),
                                      reasons=reasons),
                 tabs.get("catalogue"), layout.CATALOGUE_HEADERS, ("Código", "Oficina")),
        _keeping(layout.owners_tab(programme_id, _owner_lines(owners),
                                   title=_title(tabs, "owners", "Responsables")),
                 tabs.get("owners"), layout.OWNER_HEADERS, ("Nombre",)),
    ]  # fmt: skip
    step(2, 15, "catálogo y responsables")
    editors = _editors(owners)
    for month in range(1, 13):
        key = f"month-{month:02d}"
        typed: dict[tuple[str, str], tuple[Stored, ...]] = (
            dict(typed_cells(tabs[key])) if key in tabs else {}
        )
        for row in db_rows:
            if (
                row.month == month
                and row.year == catalogue.year
                and not any(v not in (None, "") for v in typed.get((row.indicator, row.office), ()))
            ):
                typed[(row.indicator, row.office)] = _stored(row)
        title = _title(tabs, key, layout.capture_title(catalogue.year, month))
        tab = layout.capture_tab(catalogue, month, title=title, typed=typed, editors=editors)
        layouts.append(_keeping(tab, tabs.get(key), layout.CAPTURE_HEADERS, ("Código", "Oficina")))
        step(2 + month, 15, title)
    return layouts


def _keeping(
    tab: TabLayout, old: TabSnapshot | None, known: tuple[str, ...], keys: tuple[str, ...]
) -> TabLayout:
    """The layout with the columns people added to the old tab."""
    if old is None:
        return tab
    added = added_columns(old, known, keys)
    return with_added_columns(tab, added, [known.index(k) for k in keys])


def _owner_lines(owners: list[OwnerView]) -> list[layout.OwnerLine]:
    return [
        layout.OwnerLine(
            o.name,
            o.email or "",
            str(o.telegram_id or o.telegram_username or ""),
            ROLE_WORDS[o.role],
            ", ".join(o.units),
        )
        for o in owners
    ]


def _title(tabs: dict[str, Any], key: str, default: str) -> str:
    return str(tabs[key].title) if key in tabs else default


def _stored(row: Any) -> tuple[Stored, ...]:
    """A capture held in the database as the cells init writes: numbers stay numbers."""
    return (row.numerator, row.denominator, row.value, row.justification, row.evidence)


def _editors(owners: list[OwnerView]) -> dict[str, tuple[str, ...]]:
    """Unit -> e-mails allowed to edit its rows: its owners and the planning area."""
    planning = tuple(o.email for o in owners if o.role == "planning" and o.email)
    editors: dict[str, list[str]] = {}
    for owner in owners:
        if owner.email and owner.role != "planning":
            for unit in owner.units:
                editors.setdefault(unit, []).append(owner.email)
    return {unit: tuple(dict.fromkeys([*emails, *planning])) for unit, emails in editors.items()}
