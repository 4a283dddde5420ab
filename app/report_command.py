"""`semaforo report`: the quarterly report of a period as a PDF or an .xlsx file (issue 14)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from semaforo.report.model import build_report
from semaforo.report.output import check_output, render
from semaforo.settings import Settings
from semaforo.store.engine import create_schema, make_engine


def register(
    sub: Any,
    common: argparse.ArgumentParser,
    cmd: Callable[..., argparse.ArgumentParser],
    *,
    date: Callable[[str], dt.date],
    moment: Callable[[str], dt.datetime],
) -> None:
    """Add `report` to the CLI's sub-command parser."""
    rep = cmd(sub, "report", "the quarterly report of a period as .pdf or .xlsx", _report, common)
    rep.add_argument("--period", required=True, help="2019-T1, T1, 2019-03, 2019-ytd or 2019")
    rep.add_argument("--output", required=True, type=Path, help="informe.pdf or informe.xlsx")
    rep.add_argument("--unit", help="only this unit and the units under it, e.g. 2")
    rep.add_argument("--as-of", type=date, help="the date to judge deadlines by (YYYY-MM-DD)")
    rep.add_argument(
        "--known-at", type=moment,
        help="the captures as they stood at this moment (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
    )  # fmt: skip


def _report(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    suffix = check_output(args.output)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    report = build_report(
        engine, programme, period=args.period, as_of=args.as_of, known_at=args.known_at,
        unit=args.unit,
    )  # fmt: skip
    args.output.write_bytes(render(report, suffix))
    print(f"{args.output}: {len(report.indicators)} indicadores, {report.period_words}")
    return 0
