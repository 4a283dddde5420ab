"""Benchmark of the workbook sync: the full INM 2019 workbook on a local fake Sheets API.

Run from the project root: `python -m bench.sync_bench [--repeat N] [--json]` (`./run bench`).
It prints figures and asserts no times; it exits 1 only if an unchanged sync changed rows.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from scoring import MONTH_KEYS
from semaforo import service
from semaforo.store.engine import create_schema, make_engine
from sheets_sync import layout
from sheets_sync.google import GoogleWorkbook
from sheets_sync.sync import init_workbook, sync
from tests.fakes.sheets_api import FakeSheetsApi, column_letters, write_service_account_file

PAT = "pat-inm-2019"
SHEET = "1SeMaFoRoBeNcHpAtInM2019AbCdEfGhIjKlMnOpQr"
OFFICE_TARGET, OFFICE_WEIGHT = "100", "12.5"
MIB = 1024 * 1024


@dataclass(slots=True)
class Run:
    run: str
    requests_report: int
    requests_server: int
    cells_read: int
    rows_changed: int
    rejected: int
    wall_s: float
    peak_mib: float


@dataclass(slots=True)
class Setup:
    api: FakeSheetsApi
    credentials: Path
    engine: Engine

    def workbook(self, *, writable: bool = False) -> GoogleWorkbook:
        return GoogleWorkbook(
            spreadsheet=SHEET, credentials_file=self.credentials, api_url=self.api.url,
            writable=writable, sleep=lambda seconds: None,
        )  # fmt: skip


def columns(rows: Sequence[Sequence[str]], names: Sequence[str]) -> dict[str, int]:
    """The 0-based column of each name in the header row (row 2)."""
    header = list(rows[layout.HEADER_ROW - 1])
    return {name: header.index(name) for name in names}


def text(number: float) -> str:
    """A number as a person types it: no exponent, no trailing '.0'."""
    return str(int(number)) if float(number).is_integer() else str(number)


def set_office_targets(api: FakeSheetsApi, office_codes: set[str]) -> int:
    """Type a target and weight for every month into the office indicators' «Catálogo» rows."""
    rows = api.values(SHEET, "Catálogo")
    heads = [f"{key.capitalize()} {part}" for key in MONTH_KEYS for part in ("meta", "pond.")]
    cols = columns(rows, ["Código", *heads])
    done = 0
    for number, row in enumerate(rows[layout.HEADER_ROW :], start=layout.HEADER_ROW + 1):
        if row and row[cols["Código"]] in office_codes:
            for head in heads:
                value = OFFICE_TARGET if head.endswith("meta") else OFFICE_WEIGHT
                api.set_cell(SHEET, "Catálogo", f"{column_letters(cols[head])}{number}", value)
            done += 1
    return done


def fill_captures(api: FakeSheetsApi, year: int, rng: random.Random) -> tuple[int, int]:
    """Type plausible figures into every capture row of the twelve month tabs: (rows, cells)."""
    names = ["Código", "Tipo", "Meta del mes", "Numerador", "Denominador", "Logrado"]
    filled = typed = 0
    for month in range(1, 13):
        title = layout.capture_title(year, month)
        rows = api.values(SHEET, title)
        cols = columns(rows, names)
        for number, row in enumerate(rows[layout.HEADER_ROW :], start=layout.HEADER_ROW + 1):
            if not row or not row[cols["Código"]]:
                continue
            try:
                target: float | None = float(row[cols["Meta del mes"]])
            except ValueError:  # "no programado"
                target = None
            factor = rng.triangular(0.6, 1.1, 1.0)
            if row[cols["Tipo"]].startswith("cociente"):
                denominator = rng.randint(12, 400)
                achieved = min(100.0, (target or 90.0) * factor)
                cells = {"Numerador": text(round(denominator * achieved / 100)),
                         "Denominador": text(denominator)}  # fmt: skip
            else:
                cells = {"Logrado": text(round((target or 50.0) * factor, 1))}
            for name, value in cells.items():
                api.set_cell(SHEET, title, f"{column_letters(cols[name])}{number}", value)
            filled, typed = filled + 1, typed + len(cells)
    return filled, typed


def build(setup: Setup) -> dict[str, Any]:
    """Catalogue, office targets, the workbook `sheet init` lays out, every capture typed."""
    catalogue = service.programme(setup.engine, PAT).catalogue
    init_workbook(setup.engine, setup.workbook(writable=True), PAT)
    offices = set_office_targets(
        setup.api, {i.code for i in catalogue.indicators if i.office_indicator}
    )
    loaded = sync(setup.engine, setup.workbook(), PAT, name="bench-setup")  # the targets only
    if loaded.outcome != "ok" or loaded.created:
        raise SystemExit(f"setup sync: {loaded.outcome} {loaded.message} created={loaded.created}")
    init_workbook(setup.engine, setup.workbook(writable=True), PAT)  # month tabs show the targets
    rows, cells = fill_captures(setup.api, catalogue.year, random.Random(2019))
    return {"office_catalogue_rows": offices, "capture_rows": rows, "cells_typed": cells}


def measure(setup: Setup, engine: Engine, name: str, *, traced: bool) -> Run:
    """One sync through a fresh read-only workbook; tracemalloc only when `traced`."""
    workbook, before = setup.workbook(), setup.api.api_requests
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    report = sync(engine, workbook, PAT, name="bench")
    wall = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / MIB if traced else 0.0
    tracemalloc.stop()  # a no-op when not tracing
    if report.outcome != "ok":
        raise SystemExit(f"{name}: sync {report.outcome}: {report.message}")
    return Run(
        run=name, requests_report=report.requests, requests_server=setup.api.api_requests - before,
        cells_read=report.cells_read, rows_changed=report.total_changes,
        rejected=report.rejected, wall_s=wall, peak_mib=peak,
    )  # fmt: skip


def bench(repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="semaforo-bench-") as tmp, FakeSheetsApi() as api:
        folder = Path(tmp)
        api.create_spreadsheet(SHEET, ["Hoja 1"], row_count=50, column_count=10)
        credentials = write_service_account_file(folder / "sa.json", token_uri=api.token_uri)
        engine = make_engine(f"sqlite:///{folder / 'semaforo.db'}")
        create_schema(engine)
        setup = Setup(api, credentials, engine)
        start = time.perf_counter()
        built = build(setup)
        built["setup_s"] = time.perf_counter() - start
        engine.dispose()  # a copy of the database without captures, for the traced cold run
        shutil.copy(folder / "semaforo.db", folder / "cold-copy.db")
        copy = make_engine(f"sqlite:///{folder / 'cold-copy.db'}")
        # Wall time from untraced runs (tracemalloc slows Python down); peak from traced twins.
        cold = measure(setup, engine, "cold", traced=False)
        cold.peak_mib = measure(setup, copy, "cold", traced=True).peak_mib
        copy.dispose()
        repeats = [measure(setup, engine, "unchanged", traced=False) for _ in range(repeat)]
        traced = measure(setup, engine, "unchanged", traced=True)
        changed = [r.rows_changed for r in [*repeats, traced] if r.rows_changed]
        if changed:
            print(f"an unchanged sync changed rows: {changed}", file=sys.stderr)
            raise SystemExit(1)
        unchanged, unchanged.peak_mib = repeats[0], traced.peak_mib
        engine.dispose()
    walls = [r.wall_s for r in repeats]
    return {
        "programme": PAT, **built,
        "runs": [asdict(cold), asdict(unchanged)],
        "unchanged_wall_s": {"n": repeat, "min": min(walls), "median": statistics.median(walls),
                             "max": max(walls)},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }  # fmt: skip


def table(result: dict[str, Any]) -> str:
    heads = ("run", "req (report)", "req (server)", "cells read", "rows changed", "rejected",
             "wall s", "peak MiB")  # fmt: skip
    lines = [
        tuple(f"{v:.3f}" if k == "wall_s" else f"{v:.1f}" if isinstance(v, float) else str(v)
              for k, v in run.items())
        for run in result["runs"]
    ]  # fmt: skip
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(heads)]
    row = "  ".join([f"{{:<{widths[0]}}}", *(f"{{:>{w}}}" for w in widths[1:])])
    walls = result["unchanged_wall_s"]
    return "\n".join([
        f"{result['programme']}: {result['capture_rows']} capture rows in 12 month tabs, "
        f"{result['cells_typed']} cells typed; setup {result['setup_s']:.1f} s",
        row.format(*heads), *(row.format(*line) for line in lines),
        f"unchanged x{walls['n']} wall s: min {walls['min']:.3f}  median {walls['median']:.3f}  "
        f"max {walls['max']:.3f}",
        f"peak RSS {result['peak_rss_mib']:.1f} MiB",
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="unchanged syncs to time (5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    result = bench(args.repeat)
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
