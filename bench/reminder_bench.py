"""Benchmark of the month-end reminder fan-out: 2,000 owners through the production send path
(`scheduler.fanout.send_due`, `TelegramNotifier`, an `ExtBot` with `AIORateLimiter`) against a
local fake Bot API that enforces Telegram's limits (30 messages a second, 1 a second per chat);
then crashes: `semaforo remind` as a real process, killed with SIGKILL after 10, 30 and 60
deliveries and run again.

Run from the project root: `python -m bench.reminder_bench [--owners N] [--workers K]
[--kill-after N] [--burst] [--kill-points 10,30,60] [--crash-owners N] [--json]`
(`./run bench reminders`). It prints figures and asserts no times; it exits 1 only if a
reminder went out twice in an uninterrupted or cancelled run, a due owner got none, a repeated
sweep sent anything, or a crash lost a reminder or repeated more than the sends in flight,
because the figures would then mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import importlib.metadata
import inspect
import itertools
import json
import logging
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import telegram
from sqlalchemy.engine import Engine
from telegram.ext import AIORateLimiter, ExtBot

from bot.application import rate_limiter
from scheduler.fanout import IN_FLIGHT, RATE, FanoutReport, send_due
from scheduler.notifier import Notifier, TelegramNotifier
from semaforo import service
from semaforo.reminders import ledger
from semaforo.store.engine import create_schema, make_engine, transaction
from semaforo.store.roster import upsert_owners
from tests.fakes import bot_api
from tests.fakes.bot_api import Call, FakeBotApi

PAT = "pat-inm-2019"
MX = ZoneInfo("America/Mexico_City")
AT = dt.datetime(2019, 3, 27, 9, 0, tzinfo=MX)  # due_soon of March: nothing captured yet
MONTH = 3
TOKEN = "123456789:AAH-semaforo-bench-token-0123456789"
FIRST_ID = 500_000  # Telegram ids FIRST_ID, FIRST_ID + 1, …
DEFAULT_WORKERS: int = inspect.signature(send_due).parameters["workers"].default
BACKLOG = 128
"""The fake server's listen backlog. socketserver's default of 5 makes the kernel reset new
connections when ~20 arrive at once (the limiter's opening burst, with 20 workers and one
connection per request): httpx.ReadError, so `failed` reminders. Telegram has no such limit."""


# --- Setup ------------------------------------------------------------------------------------


def set_up(engine: Engine, count: int) -> dict[str, Any]:
    """The PAT 2019 and `count` capture owners with distinct Telegram ids, dealt round-robin over
    the units that have non-office indicators (one unit each), in one transaction."""
    catalogue = service.programme(engine, PAT).catalogue
    own = [i for i in catalogue.indicators if not i.office_indicator]
    units = list(dict.fromkeys(i.unit for i in own))
    march = {i.unit for i in own if MONTH in i.months}
    rows = [
        (f"Responsable {n:05d}", "", str(FIRST_ID + n), "capture", [units[n % len(units)]])
        for n in range(count)
    ]
    with transaction(engine) as session:
        upsert_owners(session=session, programme_id=PAT, owners=rows)
    expected = {FIRST_ID + n for n in range(count) if units[n % len(units)] in march}
    return {"units": len(units), "units_with_march": len(march), "expected_chats": expected}


# --- Sweeps -----------------------------------------------------------------------------------


class KillAfter:
    """A notifier that, once `sends` messages have gone out through it, cancels the task running
    `send_due` (what Ctrl-C does to `asyncio.run`); the message just sent is returned normally."""

    def __init__(self, inner: TelegramNotifier, sends: int, task: asyncio.Task[Any]) -> None:
        self.inner, self.sends, self.task = inner, sends, task
        self.delivered = 0  # sends that returned, the cancel's own and any later ones included

    async def send(self, chat_id: int, text: str) -> int:
        message_id = await self.inner.send(chat_id, text)
        self.delivered += 1
        if self.delivered == self.sends:
            self.task.cancel()
        return message_id


@dataclass(slots=True)
class Sweep:
    """One call of `send_due`, and what the server saw while it ran."""

    name: str
    at: str
    workers: int
    killed: bool
    wall_s: float
    due: int | None  # None: killed before its report
    sent: int | None
    already_sent: int | None
    failed: int | None
    unreachable: int | None
    messages: int  # sendMessage answered 200 by the server during the sweep
    requests: int  # sendMessage requests, 429s included
    server_429: int
    notifier_429: int
    window_s: float  # first to last message at the server
    longest_pause_s: float  # the longest gap between two messages at the server
    returned_in_all: int | None = None  # killed: sends that returned, after the cancel too
    messaged: frozenset[int] = frozenset()  # the chats the server recorded a message to

    @property
    def rate(self) -> float:
        return self.messages / self.wall_s if self.wall_s else 0.0

    @property
    def window_rate(self) -> float:
        return (self.messages - 1) / self.window_s if self.window_s else 0.0


def sweep(
    api: FakeBotApi,
    engine: Engine,
    name: str,
    at: dt.datetime,
    workers: int,
    kill_after: int | None = None,
    smooth: bool = False,
) -> Sweep:
    """One sweep as `semaforo remind --send` runs it: its own event loop, bot and limiter."""
    first_call, first_429 = len(api.calls), api.too_many_requests
    notifier: TelegramNotifier | None = None
    killer: KillAfter | None = None

    async def main() -> FanoutReport:
        nonlocal notifier, killer
        limiter = (
            AIORateLimiter(max_retries=3)  # the library default, for comparison
            if smooth
            else rate_limiter()  # what the service and `semaforo remind` build
        )
        bot: ExtBot[int] = ExtBot(TOKEN, base_url=f"{api.url}/bot", rate_limiter=limiter)
        async with bot:
            notifier = TelegramNotifier(bot)
            used: Notifier = notifier
            if kill_after is not None:
                task = asyncio.current_task()
                assert task is not None
                used = killer = KillAfter(notifier, kill_after, task)
            return await send_due(engine, PAT, at=at, notifier=used, workers=workers)

    report: FanoutReport | None = None
    start = time.perf_counter()
    try:
        # asyncio.run, like the CLI: a cancelled main task then has its leftover tasks (the
        # shielded sends in flight) cancelled by asyncio.run, exactly as after a Ctrl-C.
        report = asyncio.run(main())
    except asyncio.CancelledError:
        if kill_after is None:
            raise
    wall = time.perf_counter() - start
    time.sleep(0.2)  # a request the client gave up on may still be in a server thread
    calls = [c for c in api.calls[first_call:] if c.method == "sendMessage"]
    sent = [c for c in calls if c.ok]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    return Sweep(
        name=name, at=at.strftime("%Y-%m-%d %H:%M"), workers=workers,
        killed=report is None, wall_s=wall,
        due=report.due if report else None, sent=report.sent if report else None,
        already_sent=report.already_sent if report else None,
        failed=report.failed if report else None,
        unreachable=report.unreachable if report else None,
        messages=len(sent), requests=len(calls),
        server_429=api.too_many_requests - first_429,
        notifier_429=notifier.too_many_requests if notifier else 0,
        window_s=sent[-1].at - sent[0].at if len(sent) > 1 else 0.0,
        longest_pause_s=max(gaps, default=0.0),
        returned_in_all=killer.delivered if killer else None,
        messaged=frozenset(c.params["chat_id"] for c in sent),
    )  # fmt: skip


# --- The run ----------------------------------------------------------------------------------


class Problems(logging.Handler):
    """Warnings and errors logged during the sweeps (python-telegram-bot's and the service's)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}"[:200])


def deliveries(calls: Sequence[Call], expected: set[int]) -> dict[str, Any]:
    """Exactly-once figures over every message the server recorded."""
    sent = [c for c in calls if c.method == "sendMessage" and c.ok]
    texts = collections.Counter((c.params["chat_id"], c.params["text"]) for c in sent)
    chats = collections.Counter(c.params["chat_id"] for c in sent)
    return {
        "messages": len(sent),
        "chats": len(chats),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
        "duplicate_examples": [chat for (chat, _), n in texts.items() if n > 1][:5],
        "due_owners": len(expected),
        "exactly_one": sum(1 for chat in expected if chats[chat] == 1),
        "none": sum(1 for chat in expected if chats[chat] == 0),
        "more_than_one": sum(1 for chat in expected if chats[chat] > 1),
        "unexpected_chats": len(set(chats) - expected),
    }


@contextmanager
def fake_api(backlog: int) -> Iterator[FakeBotApi]:
    """The fake Bot API with Telegram's limits, listening with `backlog` (see BACKLOG)."""
    default = bot_api._Server.request_queue_size
    bot_api._Server.request_queue_size = backlog  # read when the server starts listening
    try:
        api = FakeBotApi(token=TOKEN, enforce_limits=True).start()
    finally:
        bot_api._Server.request_queue_size = default
    try:
        yield api
    finally:
        api.stop()


def bench(
    owners: int, workers: int, kill_after: int | None, backlog: int, smooth: bool
) -> dict[str, Any]:
    problems = Problems()
    logging.getLogger().addHandler(problems)
    with tempfile.TemporaryDirectory(prefix="semaforo-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'semaforo.db'}")
        create_schema(engine)
        start = time.perf_counter()
        built = set_up(engine, owners)
        setup_s = time.perf_counter() - start
        start = time.perf_counter()
        due = ledger.due_at(engine, PAT, AT)
        due_at_s = time.perf_counter() - start
        expected: set[int] = built.pop("expected_chats")
        due_chats = {r.owner.telegram_id for r in due.pending if r.owner.telegram_id is not None}
        kinds = collections.Counter(f"{r.kind.value} {r.period}" for r in due.pending)
        chat_of = {r.owner.id: r.owner.telegram_id for r in due.pending}
        with fake_api(backlog) as api:
            sweeps = []
            killed: dict[str, Any] | None = None
            if kill_after is not None:
                first = sweep(api, engine, f"killed after {kill_after} sends", AT, workers,
                              kill_after, smooth)  # fmt: skip
                rows = ledger.entries(engine, PAT)
                recorded = {chat_of[r.owner_id] for r in rows if r.state == "sent"}
                killed = {
                    "ledger": dict(collections.Counter(r.state for r in rows)),
                    "delivered_not_recorded": len(first.messaged - recorded),
                }
                sweeps.append(first)
                sweeps.append(sweep(api, engine, "restart at +1 min", AT + dt.timedelta(minutes=1),
                                    workers, smooth=smooth))  # fmt: skip
            else:
                sweeps.append(sweep(api, engine, "fan-out", AT, workers, smooth=smooth))
            sweeps.append(sweep(api, engine, "again at +5 min", AT + dt.timedelta(minutes=5),
                                workers, smooth=smooth))  # fmt: skip
            time.sleep(0.2)
            delivered = deliveries(list(api.calls), due_chats)
        by_state = collections.Counter(r.state for r in ledger.entries(engine, PAT))
        engine.dispose()
    logging.getLogger().removeHandler(problems)
    return {
        "programme": PAT, "at": AT.isoformat(), "timezone": str(MX), "owners": owners,
        **built, "setup_s": setup_s, "due": len(due.pending), "due_kinds": dict(kinds),
        "due_at_s": due_at_s, "due_matches_units": due_chats == expected,
        "workers": workers, "kill_after": kill_after, "backlog": backlog,
        "limiter": "burst (library default)" if smooth else "even: 1 per 1/30 s",
        "sweeps": [{**{k: v for k, v in asdict(s).items() if k != "messaged"},
                    "messages_per_s": s.rate, "window_messages_per_s": s.window_rate}
                   for s in sweeps],
        "killed": killed,
        "ledger": dict(by_state), **delivered,
        "logged_problems": len(problems.records), "logged_examples": problems.records[:5],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
        "python_telegram_bot": telegram.__version__,
        "aiolimiter": importlib.metadata.version("aiolimiter"),
        "httpx": importlib.metadata.version("httpx"),
    }  # fmt: skip


# --- Crashes ----------------------------------------------------------------------------------

KILL_POINTS = (10, 30, 60)
CRASH_OWNERS = 84  # issue 12's measurement: 84 owners, killed after 10, 30 and 60 deliveries


def crash(kill_after: int, owners: int, backlog: int) -> dict[str, Any]:
    """`semaforo remind --at` as a process, SIGKILLed as soon as the server has answered
    `kill_after` messages, then run again a minute later: what got delivered, twice, or never."""
    with tempfile.TemporaryDirectory(prefix="semaforo-crash-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'semaforo.db'}"
        engine = make_engine(url)
        create_schema(engine)
        set_up(engine, owners)
        due = {r.owner.telegram_id for r in ledger.due_at(engine, PAT, AT).pending}
        with fake_api(backlog) as api:
            env = {**os.environ, "SEMAFORO_DATABASE_URL": url, "SEMAFORO_TELEGRAM_TOKEN": TOKEN,
                   "SEMAFORO_TELEGRAM_API_URL": api.url}  # fmt: skip
            remind = [sys.executable, "-m", "app.cli", "remind", "--at"]
            first = subprocess.Popen(
                [*remind, f"{AT:%Y-%m-%dT%H:%M}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                # woken by each answer the server records: the kill follows the Nth at once
                api.wait_for(lambda _: len(api.sent()) >= kill_after, timeout=120)
            finally:
                first.kill()
                first.wait()
            time.sleep(0.2)  # requests the server had already taken are answered (and count)
            mark = len(api.calls)
            killed = [c for c in api.calls[:mark] if c.method == "sendMessage"]
            at_kill = collections.Counter(r.state for r in ledger.entries(engine, PAT))
            again = subprocess.run([*remind, f"{AT + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"],
                                   env=env, capture_output=True, timeout=600)  # fmt: skip
            time.sleep(0.2)
            restart = [c for c in api.calls[mark:] if c.method == "sendMessage"]
        engine.dispose()
    chats = collections.Counter(c.params["chat_id"] for c in [*killed, *restart] if c.ok)
    return {
        "kill_after": kill_after, "owners": owners, "due": len(due),
        "delivered_before_restart": sum(c.ok for c in killed),
        "ledger_at_kill": dict(at_kill), "restart_exit": again.returncode,
        "reached": len(set(chats) & due), "duplicated": sum(n - 1 for n in chats.values()),
        "lost": len(due - set(chats)), "bound": IN_FLIGHT,
        "killed_run_messages_per_s": _rate(killed), "restart_messages_per_s": _rate(restart),
    }  # fmt: skip


def _rate(calls: Sequence[Call]) -> float:
    """Messages a second at the server, first to last answered message."""
    sent = [c for c in calls if c.ok]
    return (len(sent) - 1) / (sent[-1].at - sent[0].at) if len(sent) > 1 else 0.0


# --- Figures ----------------------------------------------------------------------------------


def _grid(heads: Sequence[str], lines: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(heads)]
    row = "  ".join([f"{{:<{widths[0]}}}", *(f"{{:>{w}}}" for w in widths[1:])])
    return [row.format(*heads), *(row.format(*line) for line in lines)]


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def table(result: dict[str, Any]) -> str:
    sweeps = _grid(
        ("sweep", "workers", "due", "sent", "already", "failed", "wall s", "msg/s",
         "window s", "msg/s in window", "longest pause s", "requests", "429 server",
         "429 notifier"),
        [(s["name"], str(s["workers"]), _n(s["due"]),
          _n(s["sent"]) if s["sent"] is not None else f"({s['messages']})",
          _n(s["already_sent"]), _n(s["failed"]), f"{s['wall_s']:.1f}",
          f"{s['messages_per_s']:.1f}", f"{s['window_s']:.1f}",
          f"{s['window_messages_per_s']:.1f}", f"{s['longest_pause_s']:.2f}",
          str(s["requests"]), str(s["server_429"]), str(s["notifier_429"]))
         for s in result["sweeps"]],
    )  # fmt: skip
    states = ", ".join(f"{k} {v}" for k, v in sorted(result["ledger"].items())) or "none"
    lines = [
        f"{result['programme']} at {result['at']} ({result['timezone']}): {result['owners']} "
        f"capture owners over {result['units']} units with indicators "
        f"({result['units_with_march']} with a March indicator); setup {result['setup_s']:.1f} s",
        f"reminders due: {result['due']} ("
        + ", ".join(f"{k}: {v}" for k, v in result["due_kinds"].items())
        + f"); due_at {result['due_at_s']:.2f} s; "
        + ("exactly the owners of units with a March indicator" if result["due_matches_units"]
           else "NOT the owners of units with a March indicator"),
        f"limiter {result['limiter']}; fake Bot API: 30 messages/s, 1/s per chat, listen "
        f"backlog {result['backlog']}",
        "",
        *sweeps,
    ]  # fmt: skip
    first, killed = result["sweeps"][0], result["killed"]
    if killed is not None:
        after = ", ".join(f"{k} {v}" for k, v in sorted(killed["ledger"].items()))
        cancel = (
            f"cancelled as send {result['kill_after']} returned"
            if first["killed"]
            else f"never cancelled (fewer than {result['kill_after']} sends)"
        )
        lines += [
            f"killed run: {cancel}; {first['returned_in_all']} sends returned in all, "
            f"{first['messages']} messages reached the server; ledger then: {after}",
            f"delivered but not recorded as sent (sent again on restart): "
            f"{killed['delivered_not_recorded']}",
        ]
    sweep_rate = first["window_messages_per_s"]
    lines += [
        "",
        f"fan-out rate {sweep_rate:.1f} msg/s in its window with {result['workers']} sends in "
        f"flight: {'within' if abs(sweep_rate - RATE) <= RATE / 10 else 'NOT within'} 10 % of "
        f"{RATE:.0f} msg/s",
        "",
        f"messages at the server: {result['messages']} to {result['chats']} chats; duplicates "
        f"(same chat, same text, more than once): {result['duplicates']}",
        f"due owners with exactly one message: {result['exactly_one']} of {result['due_owners']}"
        f" (none: {result['none']}, more than one: {result['more_than_one']}; messages to "
        f"owners not due: {result['unexpected_chats']})",
        f"ledger rows by state: {states}",
        f"warnings and errors logged: {result['logged_problems']}"
        + "".join(f"\n  {line}" for line in result["logged_examples"]),
        "",
        f"peak RSS {result['peak_rss_mib']:.1f} MiB; Python {result['python']}, SQLite "
        f"{result['sqlite']}, python-telegram-bot {result['python_telegram_bot']}, aiolimiter "
        f"{result['aiolimiter']}, httpx {result['httpx']}",
    ]
    if result.get("crashes"):
        lines += ["", *crash_table(result["crashes"])]
    return "\n".join(lines)


def crash_table(crashes: Sequence[dict[str, Any]]) -> list[str]:
    """The crash runs, one line each."""
    first = crashes[0]
    return [
        f"kill -9 of `semaforo remind` ({first['owners']} owners, {first['due']} due), then "
        f"a restart a minute later; in-flight bound {first['bound']} (scheduler.fanout.IN_FLIGHT)",
        *_grid(
            ("killed after", "delivered before restart", "ledger at kill", "duplicated", "lost",
             "bound", "reached", "restart exit", "msg/s killed run", "msg/s restart"),
            [(str(c["kill_after"]), str(c["delivered_before_restart"]),
              ", ".join(f"{k} {v}" for k, v in sorted(c["ledger_at_kill"].items())),
              str(c["duplicated"]), str(c["lost"]), str(c["bound"]),
              f"{c['reached']} of {c['due']}", str(c["restart_exit"]),
              f"{c['killed_run_messages_per_s']:.1f}", f"{c['restart_messages_per_s']:.1f}")
             for c in crashes],
        ),
    ]  # fmt: skip


def failures(result: dict[str, Any]) -> list[str]:
    """Why the figures would mean nothing: not exactly once, or a repeated sweep that sent."""
    found = []
    if result["duplicates"] or result["more_than_one"]:
        found.append(f"{result['duplicates']} duplicate messages "
                     f"(chats {result['duplicate_examples']})")  # fmt: skip
    if result["none"]:
        found.append(f"{result['none']} due owners got no message")
    if result["unexpected_chats"]:
        found.append(f"{result['unexpected_chats']} chats got a message without being due")
    last = result["sweeps"][-1]
    if last["messages"]:
        found.append(f"the sweep at +5 min sent {last['messages']} messages")
    for c in result.get("crashes", []):
        if c["lost"] or c["duplicated"] > c["bound"] or c["restart_exit"]:
            found.append(f"kill after {c['kill_after']}: {c['lost']} lost, {c['duplicated']} "
                         f"duplicated (bound {c['bound']}), restart exit "
                         f"{c['restart_exit']}")  # fmt: skip
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reminder_bench", description=__doc__)
    parser.add_argument("--owners", type=int, default=2000, help="capture owners (2000)")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS,
        help=f"send_due's workers ({DEFAULT_WORKERS}, its default)",
    )  # fmt: skip
    parser.add_argument(
        "--kill-after",
        type=int,
        metavar="N",
        help="cancel the first fan-out after N sends (like Ctrl-C), then start again",
    )
    parser.add_argument(
        "--backlog", type=int, default=BACKLOG,
        help=f"the fake server's listen backlog ({BACKLOG}; 5 is socketserver's default)",
    )  # fmt: skip
    parser.add_argument(
        "--burst", dest="smooth", action="store_true",
        help="for comparison: AIORateLimiter(max_retries=3), the library default, which lets 30 "
        "go at once after a pause, instead of the service's one every 1/30 s",
    )  # fmt: skip
    parser.add_argument(
        "--kill-points", type=_points, default=KILL_POINTS, metavar="N,N,…",
        help="kill -9 `semaforo remind` after these many deliveries, one run each, then restart "
        "(10,30,60; 'none' for no crash runs)",
    )  # fmt: skip
    parser.add_argument(
        "--crash-owners", type=int, default=CRASH_OWNERS,
        help=f"capture owners in the crash runs ({CRASH_OWNERS})",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if min(args.owners, args.workers, args.backlog, args.kill_after or 1, args.crash_owners) < 1:
        parser.error("--owners, --workers, --kill-after, --backlog and --crash-owners must be "
                     "at least 1")  # fmt: skip
    result = bench(args.owners, args.workers, args.kill_after, args.backlog, args.smooth)
    result["crashes"] = [crash(n, args.crash_owners, args.backlog) for n in args.kill_points]
    print(json.dumps(result, indent=2) if args.json else table(result))
    found = failures(result)
    if found:
        print("not exactly once: " + "; ".join(found), file=sys.stderr)
        raise SystemExit(1)


def _points(text: str) -> tuple[int, ...]:
    if text.strip().lower() == "none":
        return ()
    try:
        points = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if min(points, default=1) < 1:
        raise argparse.ArgumentTypeError("kill points must be at least 1")
    return points


if __name__ == "__main__":
    main()
