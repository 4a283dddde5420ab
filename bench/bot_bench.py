"""Benchmark of the bot's `/status` at INM scale: the real bot against a local fake Bot API.

Run from the project root: `python -m bench.bot_bench [--commands N] [--concurrency K] [--json]`
(`./run bench bot`). It prints figures and asserts no times; it exits 1 only if a reply the bot
sent is not the answer the service gives in-process, because the figures would then mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import datetime as dt
import gc
import json
import pstats
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import telegram
from sqlalchemy.engine import Engine

from bot import replies
from bot.application import build_application, start_bot, stop_bot
from bot.arguments import code_and_period
from scoring import UnitKind
from semaforo import answers, service
from semaforo.people import owners
from semaforo.people.owners import add_owner
from semaforo.store import captures
from semaforo.store.engine import create_schema, make_engine
from tests.fakes.bot_api import Call, FakeBotApi

PAT = "pat-inm-2019"
AS_OF = dt.date(2019, 4, 10)
TOKEN = "123456789:AAH-semaforo-bench-token-0123456789"
SAMPLE = Path(__file__).parents[1] / "semaforo/catalogue/bundled/pat-inm-2019/sample-captures.csv"
PLANNING, TOP_IDS, AREA_IDS = 1000, 1100, 1200  # Telegram ids: planning, top + n, area + n
SEED = 2019
PROFILE_SAMPLE = 100


@dataclass(frozen=True, slots=True)
class Ask:
    """One command as a person sends it, and which kind of the mix it is."""

    kind: str
    user: int
    text: str


# --- Setup ------------------------------------------------------------------------------------


def set_up(engine: Engine) -> dict[str, int]:
    """The PAT 2019, the sample captures, and people: planning, one director per top unit and
    one per area. Returns the Telegram id of each unit's director (planning under "")."""
    catalogue = service.programme(engine, PAT).catalogue
    service.import_captures(engine, PAT, SAMPLE.read_text(encoding="utf-8"), source="bench")
    add_owner(engine, PAT, name="Pepa Planeación", role="planning", units=[],
              telegram_id=PLANNING)  # fmt: skip
    people = {"": PLANNING}
    for base, kind in ((TOP_IDS, UnitKind.TOP), (AREA_IDS, UnitKind.AREA)):
        for n, unit in enumerate(u for u in catalogue.units if u.kind == kind):
            people[unit.code] = base + n
            add_owner(engine, PAT, name=f"Dirección {unit.code}", role="director",
                      units=[unit.code], telegram_id=base + n)  # fmt: skip
    return people


def the_mix(people: dict[str, int], count: int, seed: int = SEED) -> list[Ask]:
    """`count` commands drawn evenly from eight kinds, each from someone allowed to ask it
    (the unit "" is planning)."""
    tops = [c for c in people if c and "." not in c]
    areas = [c for c in people if c and "." in c]
    kinds: dict[str, Callable[[random.Random], tuple[str, str]]] = {
        "/status (planning: institution)": lambda r: ("", "/status"),
        "/status (top director)": lambda r: (r.choice(tops), "/status"),
        "/status (area director)": lambda r: (r.choice(areas), "/status"),
        "/status T1 (planning)": lambda r: ("", "/status T1"),
        "/status 2": lambda r: (r.choice(["", "2"]), "/status 2"),
        "/status 2.3": lambda r: (r.choice(["", "2", "2.3"]), "/status 2.3"),
        "/status 2.3 T1": lambda r: (r.choice(["", "2", "2.3"]), "/status 2.3 T1"),
        "/status 5.4.3.1": lambda r: (r.choice(["", "5", "5.4.3"]), "/status 5.4.3.1"),
    }
    rng = random.Random(seed)
    asks = []
    for _ in range(count):
        kind = rng.choice(list(kinds))
        unit, text = kinds[kind](rng)
        asks.append(Ask(kind, people[unit], text))
    return asks


def words(ask: Ask) -> tuple[str | None, str | None]:
    """The code and period, read exactly as the handler reads them."""
    return code_and_period(ask.text.split()[1:], "status")


# --- In process -------------------------------------------------------------------------------


def in_process(engine: Engine, ask: Ask) -> tuple[float, float, list[str]]:
    """What the handler does for one command, without Telegram: (seconds finding the person,
    seconds in `status_for` + `status_reply`, the reply texts)."""
    start = time.perf_counter()
    person = answers.viewer(engine, PAT, ask.user)
    found_at = time.perf_counter()
    assert person is not None, ask
    code, period = words(ask)
    found = answers.status_for(engine, PAT, person, code=code, period=period, as_of=AS_OF)
    texts = [
        replies.status_reply(
            a, parent=answers.parent_code(a.programme, person, a.node.code), locale="es"
        ).text
        for a in found
    ]
    return found_at - start, time.perf_counter() - found_at, texts


class Stages:
    """Wall time per stage of the service path, by wrapping the functions the service calls."""

    NAMES: ClassVar[dict[str, tuple[Any, str]]] = {
        "owners.list_owners (who is asking)": (owners, "list_owners"),
        "service.programme (catalogue from the db)": (service, "programme"),
        "captures.read_captures": (captures, "read_captures"),
        "deadlines_for_year": (service, "deadlines_for_year"),
        "scoring.evaluate": (service, "evaluate"),
        "replies.status_reply (formatting)": (replies, "status_reply"),
    }

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.seconds: collections.defaultdict[str, float] = collections.defaultdict(float)

    @contextmanager
    def installed(self) -> Iterator[None]:
        originals = {name: getattr(module, attr) for name, (module, attr) in self.NAMES.items()}
        try:
            for name, (module, attr) in self.NAMES.items():
                setattr(module, attr, self._timed(name, originals[name]))
            yield
        finally:
            for name, (module, attr) in self.NAMES.items():
                setattr(module, attr, originals[name])

    def _timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        return timed


class Pauses:
    """The garbage collector's pauses, per generation (they fall inside the stages' times)."""

    def __init__(self) -> None:
        self.seconds: list[list[float]] = [[], [], []]
        self._start = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        gc.callbacks.append(self._note)
        try:
            yield
        finally:
            gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds[info["generation"]].append(time.perf_counter() - self._start)


def breakdown(engine: Engine, asks: Sequence[Ask], top: int) -> dict[str, Any]:
    """Where the in-process time goes, on a sample: timed stages, then cProfile's top functions."""
    stages, pauses = Stages(), Pauses()
    with stages.installed(), pauses.installed():
        start = time.perf_counter()
        for ask in asks:
            in_process(engine, ask)
        total = time.perf_counter() - start
    n = len(asks)
    collections_ = [
        {"generation": g, "collections": len(p), "ms_per_command": sum(p) / n * 1000,
         "median_ms": statistics.median(p) * 1000 if p else 0.0,
         "max_ms": max(p, default=0.0) * 1000}
        for g, p in enumerate(pauses.seconds)
    ]  # fmt: skip
    rows = [
        {"stage": name, "calls_per_command": stages.calls[name] / n,
         "ms_per_command": stages.seconds[name] / n * 1000,
         "ms_per_call": stages.seconds[name] / max(1, stages.calls[name]) * 1000,
         "share": stages.seconds[name] / total}
        for name in Stages.NAMES
    ]  # fmt: skip
    rest = total - sum(stages.seconds.values())
    rows.append({"stage": "everything else", "calls_per_command": None, "ms_per_call": None,
                 "ms_per_command": rest / n * 1000, "share": rest / total})  # fmt: skip
    profiler = cProfile.Profile()
    profiler.enable()
    for ask in asks:
        in_process(engine, ask)
    profiler.disable()
    found: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ranked = sorted(
        ((where, row) for where, row in found.items() if not where[0].endswith("bot_bench.py")),
        key=lambda item: -item[1][3],
    )
    profile = [
        {"function": f"{_short(file)}:{line}({name})", "calls_per_command": calls / n,
         "cumulative_ms_per_command": cumulative / n * 1000}
        for (file, line, name), (_, calls, _, cumulative, _) in ranked[:top]
    ]  # fmt: skip
    return {"sample": n, "ms_per_command": total / n * 1000, "stages": rows,
            "garbage_collection": collections_, "profile": profile}  # fmt: skip


def _short(file: str) -> str:
    for marker in ("/site-packages/", "/work/main/", "/lib/python"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


# --- Through the fake Bot API -----------------------------------------------------------------


class Replies(list[Call]):
    """`FakeBotApi.calls` that also hands each sendMessage to the benchmark's event loop as the
    server records it (under the server's lock), so waiting costs no scan of every call."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Call]) -> None:
        super().__init__()
        self.loop, self.queue = loop, queue

    def append(self, call: Call) -> None:
        super().append(call)
        if call.method == "sendMessage":
            self.loop.call_soon_threadsafe(self.queue.put_nowait, call)


@dataclass(slots=True)
class Pass:
    """One pass of commands through the bot: latencies and what came back."""

    name: str
    latencies: list[float]
    kinds: list[str]
    wall_s: float
    wrong: list[str]


async def send(
    api: FakeBotApi,
    queue: asyncio.Queue[Call],
    asks: Sequence[Ask],
    expected: dict[Ask, list[str]],
    concurrency: int,
    name: str,
) -> Pass:
    """Push the commands `concurrency` at a time and wait for every reply of each batch.
    Latency: the reply's arrival at the server (Call.at) minus the moment just before the push."""
    latencies: list[float] = []
    kinds: list[str] = []
    wrong: list[str] = []
    start = time.perf_counter()
    for first in range(0, len(asks), concurrency):
        batch = asks[first : first + concurrency]
        waiting: dict[int, collections.deque[tuple[float, Ask, list[str]]]] = {}
        due = 0
        for ask in batch:
            texts = list(expected[ask])
            queued = waiting.setdefault(ask.user, collections.deque())
            queued.append((time.monotonic(), ask, texts))
            api.push_message(ask.user, ask.text)
            due += len(texts)
        for _ in range(due):  # the bot handles updates in order, so replies come in order
            call = await asyncio.wait_for(queue.get(), timeout=30)
            pushed, ask, texts = waiting[call.params["chat_id"]][0]
            if call.params.get("text") != texts.pop(0):
                wrong.append(f"{ask.user} {ask.text!r}: {str(call.params.get('text'))[:120]!r}")
            if not texts:
                waiting[call.params["chat_id"]].popleft()
                latencies.append(call.at - pushed)
                kinds.append(ask.kind)
    return Pass(name, latencies, kinds, time.perf_counter() - start, wrong)


def through_the_bot(
    engine: Engine, asks: Sequence[Ask], warm_up: Sequence[Ask],
    expected: dict[Ask, list[str]], concurrency: int,
) -> list[Pass]:  # fmt: skip
    async def main() -> list[Pass]:
        queue: asyncio.Queue[Call] = asyncio.Queue()
        with FakeBotApi(token=TOKEN) as api:
            api.calls = Replies(asyncio.get_running_loop(), queue)
            app = build_application(
                token=TOKEN, api_url=api.url, engine=engine, programme_id=PAT,
                today=lambda: AS_OF,
            )  # fmt: skip
            await start_bot(app, poll_timeout=1)
            try:
                await send(api, queue, warm_up, expected, 1, "warm-up")
                passes = [await send(api, queue, asks, expected, 1, "one at a time")]
                if concurrency > 1:
                    name = f"{concurrency} at once"
                    passes.append(await send(api, queue, asks, expected, concurrency, name))
            finally:
                await stop_bot(app)
            return passes

    return asyncio.run(main())


# --- Figures ----------------------------------------------------------------------------------


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, max and mean, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {"p50": statistics.median(ms), "p95": cuts[94], "p99": cuts[98], "max": ms[-1],
            "mean": statistics.fmean(ms)}  # fmt: skip


def bench(commands: int, concurrency: int, warm_up: int, top: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="semaforo-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'semaforo.db'}")
        create_schema(engine)
        start = time.perf_counter()
        people = set_up(engine)
        setup_s = time.perf_counter() - start
        asks = the_mix(people, commands)
        warm = the_mix(people, warm_up, seed=SEED + 1)
        # In process, the same commands in the same order: the time the service takes, and
        # the replies the bot must send.
        expected: dict[Ask, list[str]] = {}
        lookup, service_s = [], []
        for ask in [*warm, *asks]:
            found, answered, expected[ask] = in_process(engine, ask)
            lookup.append(found)
            service_s.append(answered)
        del lookup[: len(warm)], service_s[: len(warm)]
        parts = breakdown(engine, asks[:PROFILE_SAMPLE], top)
        passes = through_the_bot(engine, asks, warm, expected, concurrency)
        engine.dispose()
    end_to_end = summary(passes[0].latencies)
    service_summary = summary(service_s)
    handler = summary([a + b for a, b in zip(lookup, service_s, strict=True)])
    per_kind = {
        kind: {
            "n": n,
            "end_to_end_p50": statistics.median(
                1000 * t for t, k in zip(passes[0].latencies, passes[0].kinds, strict=True)
                if k == kind
            ),
            "in_process_p50": statistics.median(
                1000 * t for t, a in zip(service_s, asks, strict=True) if a.kind == kind
            ),
        }
        for kind, n in sorted(collections.Counter(a.kind for a in asks).items())
    }  # fmt: skip
    runs = [
        {"pass": p.name, **summary(p.latencies), "commands_per_s": len(p.latencies) / p.wall_s,
         "wall_s": p.wall_s, "wrong_replies": len(p.wrong), "wrong_examples": p.wrong[:3]}
        for p in passes
    ]  # fmt: skip
    return {
        "programme": PAT, "as_of": AS_OF.isoformat(), "commands": commands,
        "warm_up": warm_up, "owners": len(people), "setup_s": setup_s,
        "per_kind": per_kind,
        "replies_per_command": sum(len(expected[a]) for a in asks) / len(asks),
        "passes": runs,
        "in_process": {"status_for + status_reply": service_summary,
                       "+ answers.viewer (whole handler)": handler},
        "share_p50": service_summary["p50"] / end_to_end["p50"],
        "share_mean": service_summary["mean"] / end_to_end["mean"],
        "handler_share_p50": handler["p50"] / end_to_end["p50"],
        "breakdown": parts,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
        "python_telegram_bot": telegram.__version__,
    }  # fmt: skip


def _number(value: float | None, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def _grid(heads: Sequence[str], lines: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(heads)]
    row = "  ".join([f"{{:<{widths[0]}}}", *(f"{{:>{w}}}" for w in widths[1:])])
    return [row.format(*heads), *(row.format(*line) for line in lines)]


def table(result: dict[str, Any]) -> str:
    stats = ("p50", "p95", "p99", "max", "mean")
    passes = _grid(
        ("/status through the bot", *(f"{s} ms" for s in stats), "cmd/s", "wrong"),
        [(p["pass"], *(f"{p[s]:.2f}" for s in stats), f"{p['commands_per_s']:.1f}",
          str(p["wrong_replies"])) for p in result["passes"]],
    )  # fmt: skip
    inside = _grid(
        ("in process, same commands", *(f"{s} ms" for s in stats)),
        [(name, *(f"{v[s]:.2f}" for s in stats)) for name, v in result["in_process"].items()],
    )
    parts = result["breakdown"]
    stages = _grid(
        (f"stages (sample of {parts['sample']})", "calls/cmd", "ms/call", "ms/cmd", "share"),
        [(s["stage"], _number(s["calls_per_command"], 1), _number(s["ms_per_call"], 2),
          f"{s['ms_per_command']:.2f}", f"{s['share']:.0%}") for s in parts["stages"]],
    )  # fmt: skip
    pauses = _grid(
        ("garbage collection (same sample, inside the stages)", "collections", "ms/cmd",
         "median ms", "max ms"),
        [(f"generation {g['generation']}", str(g["collections"]), f"{g['ms_per_command']:.2f}",
          f"{g['median_ms']:.2f}", f"{g['max_ms']:.1f}") for g in parts["garbage_collection"]],
    )  # fmt: skip
    profile = _grid(
        ("cProfile, top cumulative (same sample)", "calls/cmd", "cum ms/cmd"),
        [(f["function"], f"{f['calls_per_command']:.1f}", f"{f['cumulative_ms_per_command']:.2f}")
         for f in parts["profile"]],
    )  # fmt: skip
    kinds = _grid(
        ("kind (one at a time)", "n", "end-to-end p50 ms", "in-process p50 ms"),
        [(kind, str(v["n"]), f"{v['end_to_end_p50']:.2f}", f"{v['in_process_p50']:.2f}")
         for kind, v in result["per_kind"].items()],
    )  # fmt: skip
    return "\n".join([
        f"{result['programme']} as of {result['as_of']}: {result['owners']} owners, "
        f"{result['commands']} /status commands after {result['warm_up']} warm-up, "
        f"{result['replies_per_command']:.2f} replies each; setup {result['setup_s']:.1f} s",
        "", *passes,
        "", *inside,
        f"share outside the network (in-process / end to end): p50 {result['share_p50']:.0%}, "
        f"mean {result['share_mean']:.0%}; whole handler p50 {result['handler_share_p50']:.0%}",
        "", *kinds,
        "", *stages,
        f"(in-process total {parts['ms_per_command']:.2f} ms/cmd with the stage timers)",
        "", *pauses,
        "", *profile,
        "",
        f"peak RSS {result['peak_rss_mib']:.1f} MiB; Python {result['python']}, "
        f"SQLite {result['sqlite']}, python-telegram-bot {result['python_telegram_bot']}",
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bot_bench", description=__doc__)
    parser.add_argument("--commands", type=int, default=1000, help="/status commands (1000)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="also a pass pushing K commands at once (off)"
    )
    parser.add_argument("--warm-up", type=int, default=20, help="untimed first commands (20)")
    parser.add_argument("--top", type=int, default=5, help="cProfile functions to list (5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.commands < 1 or args.concurrency < 1 or args.warm_up < 0 or args.top < 0:
        parser.error("--commands and --concurrency must be at least 1; --warm-up, --top 0 or more")
    result = bench(args.commands, args.concurrency, args.warm_up, args.top)
    print(json.dumps(result, indent=2) if args.json else table(result))
    if any(p["wrong_replies"] for p in result["passes"]):
        print("some replies differ from the in-process answers:", file=sys.stderr)
        for p in result["passes"]:
            for example in p["wrong_examples"]:
                print(f"  {p['pass']}: {example}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
