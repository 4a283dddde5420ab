"""Benchmark of the quarterly report: the whole INM 2019 T1 report as PDF and .xlsx.

Run from the project root: `python -m bench.report_bench [--repeat N] [--json]`
(`./run bench report`). It prints the median time of each step, then the peak memory of one more
run under tracemalloc (Python allocations) and the process's maximum resident set size; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

from semaforo import service
from semaforo.report.model import build_report
from semaforo.report.pdf import render_pdf
from semaforo.report.xlsx import render_xlsx
from semaforo.store.engine import create_schema, make_engine

PAT = "pat-inm-2019"
AS_OF = dt.date(2019, 4, 10)
SAMPLE = Path(__file__).parents[1] / "semaforo/catalogue/bundled/pat-inm-2019/sample-captures.csv"


def main(argv: Sequence[str] | None = None) -> int:
    """Time the model, the PDF and the .xlsx `--repeat` times; print the medians and peaks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        create_schema(engine)
        service.import_captures(engine, PAT, SAMPLE.read_text(encoding="utf-8"), source="bench")
        times: dict[str, list[float]] = {"model": [], "pdf": [], "xlsx": []}
        sizes: dict[str, int] = {}
        pages = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = build_report(engine, PAT, period="2019-T1", as_of=AS_OF)
            times["model"].append(time.perf_counter() - start)
            start = time.perf_counter()
            pdf = render_pdf(report)
            times["pdf"].append(time.perf_counter() - start)
            start = time.perf_counter()
            xlsx = render_xlsx(report)
            times["xlsx"].append(time.perf_counter() - start)
            sizes = {"pdf": len(pdf), "xlsx": len(xlsx)}
            pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
        # one more, traced: tracemalloc slows the PDF several times, so it is kept out of the times
        tracemalloc.start()
        render_xlsx(report)
        render_pdf(build_report(engine, PAT, period="2019-T1", as_of=AS_OF))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "indicators": len(report.indicators), "units": len(report.units), "pages": pages,
        "median_s": {k: round(statistics.median(v), 3) for k, v in times.items()},
        "total_median_s": round(sum(statistics.median(v) for v in times.values()), 3),
        "bytes": sizes, "peak_traced_mib": round(peak / 2**20, 1),
        "max_rss_mib": round(rss_mib, 1), "repeat": args.repeat,
    }  # fmt: skip
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"report: INM 2019 T1 as of {AS_OF}, {figures['indicators']} indicators, "
          f"{figures['units']} units, {pages} PDF pages; median of {args.repeat}")  # fmt: skip
    for step, seconds in figures["median_s"].items():
        print(f"  {step:<6} {seconds:7.3f} s")
    print(f"  total  {figures['total_median_s']:7.3f} s")
    print(f"  files  pdf {sizes['pdf'] / 1024:.0f} KiB, xlsx {sizes['xlsx'] / 1024:.0f} KiB")
    print(f"  peak   {figures['peak_traced_mib']} MiB traced (Python allocations), "
          f"{figures['max_rss_mib']} MiB max RSS")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
