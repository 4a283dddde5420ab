"""Sending the reminders that hold at a moment: claim in the ledger, send, record.

A crash (kill -9, a power cut) can leave a row `claimed` after Telegram accepted its message;
the next start takes the row over and sends it again. So the sends in flight bound what a crash
repeats, and the fan-out keeps them few and short:

- `IN_FLIGHT` slots, each holding one reminder from its claim to the record of its outcome: a
  crash sends at most that many reminders twice, and loses none;
- the pace (`RATE`) is kept here, before the claim, so no row waits claimed in the bot's rate
  limiter (which then has nothing left to hold back);
- claims and records run on threads of their own, so a record is written as soon as Telegram
  answers, never queued behind claims or other work in asyncio's shared thread pool.

A stop request (SIGTERM) lets the sends in flight finish and record themselves, and claims
nothing new; what was not claimed goes out on the next start, while it is still meaningful.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import functools
import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.engine import Engine
from telegram.error import TelegramError

from scheduler.notifier import Notifier, Unreachable
from semaforo.people import owners
from semaforo.reminders import ledger
from semaforo.reminders.plan import Reminder, Timing
from semaforo.reminders.text import reminder_text

log = logging.getLogger("semaforo.reminders")

T = TypeVar("T")

RATE = 30.0
"""Messages a second: Telegram's limit for one bot's messages overall (the same spacing as
`bot.application.rate_limiter`)."""

ROUND_TRIP = 0.25
"""Seconds one slot stays busy, a budget rather than a measurement: the claim and the record
(two short transactions, a few ms each) around a sendMessage, which Telegram should answer
within about 0.2 s from a server in Mexico on a connection already open (the Bot API is served
from Europe; the network there and back is most of it)."""

IN_FLIGHT = math.ceil(RATE * ROUND_TRIP)
"""Sends in flight at once (8), and so the most reminders one crash can send twice.

To keep `RATE` going a slot must free up every 1/RATE s, so the slots needed are the rate times
the time a slot is busy (Little's law): 30 × 0.25 s = 7.5, rounded up. Fewer would cap the rate
whenever Telegram answers slowly (4 slots at 0.25 s: 16 msg/s); more would not send faster, the
pace holds it at `RATE`, but would let a slow Telegram (or a 429 being waited out) pile up more
claimed rows for a crash to repeat. The old 20 workers claimed while waiting in the limiter and
queued their records behind those claims: 7 to 9 duplicates per kill."""


@dataclass(slots=True)
class FanoutReport:
    """What one sweep did."""

    at: dt.datetime
    due: int = 0
    sent: int = 0
    already_sent: int = 0
    unreachable: int = 0
    failed: int = 0
    stale: int = 0
    stopped: bool = False

    def line(self) -> str:
        """One readable log line."""
        return (
            f"recordatorios {self.at:%Y-%m-%d %H:%M}: {self.sent} enviados, "
            f"{self.already_sent} ya enviados antes, {self.unreachable} sin contacto, "
            f"{self.failed} fallidos (se reintentan), {self.stale} ya no hacían falta"
            + (" — detenido a medias; el resto sale al volver a arrancar" if self.stopped else "")
        )


async def send_due(
    engine: Engine,
    programme_id: str,
    *,
    at: dt.datetime,
    notifier: Notifier,
    locale: str = "es",
    timing: Timing | None = None,
    workers: int = IN_FLIGHT,
    rate: float | None = RATE,
    stop: asyncio.Event | None = None,
) -> FanoutReport:
    """Send every reminder that holds at `at` and has not gone out yet: once each, at most
    `workers` in flight, `rate` a second (None: as fast as the notifier takes them)."""
    due = await asyncio.to_thread(ledger.due_at, engine, programme_id, at, timing=timing)
    report = FanoutReport(at=due.at, due=len(due.pending), already_sent=len(due.done))
    report.stale = await asyncio.to_thread(ledger.release_stale, engine, programme_id, due)
    if not due.pending:
        return report
    pending = collections.deque(due.pending)
    pace = Pace(rate)
    books = Books(engine, programme_id)
    flights: set[asyncio.Task[None]] = set()

    def stopping() -> bool:
        report.stopped = report.stopped or (stop is not None and stop.is_set())
        return report.stopped

    async def worker() -> None:
        while pending and not stopping():
            await pace.wait()  # the turn comes before the claim: nothing waits claimed
            if not pending or stopping():
                return
            reminder = pending.popleft()
            text = reminder_text(reminder, year=_year(reminder, due.at), today=due.at.date(),
                                 locale=locale)  # fmt: skip
            flight = asyncio.create_task(_one(books, reminder, text, notifier, report))
            flights.add(flight)
            flight.add_done_callback(flights.discard)
            await asyncio.shield(flight)  # a cancelled worker leaves its send to finish

    try:
        await asyncio.gather(*(worker() for _ in range(max(1, workers))))
    finally:
        # A cancelled sweep (Ctrl-C on `remind`, APScheduler at shutdown) or a failing one
        # claims nothing more and waits for every send in flight and its record: a row left
        # claimed after Telegram took its message would go out twice. The wait is here because
        # gather gives up at the first cancelled worker, while the others' sends are still out.
        pending.clear()
        if flights:
            await asyncio.wait(set(flights))
        books.close()
    log.info("%s", report.line())
    return report


class Pace:
    """One turn every 1/rate seconds, in the order asked, never a burst; None: no waiting."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1 / rate if rate else 0.0
        self._next = 0.0
        self._turn = asyncio.Lock()

    async def wait(self) -> None:
        """Wait for the next turn."""
        if not self.interval:
            return
        async with self._turn:
            loop = asyncio.get_running_loop()
            start = max(self._next, loop.time())
            # counted from the planned turn, not from the wake-up: late wake-ups do not add up
            self._next = start + self.interval
            await asyncio.sleep(start - loop.time())


class Books:
    """The ledger as one sweep writes it: claims on one thread, records on another, so that a
    record is written the moment Telegram answers and never waits behind a claim."""

    def __init__(self, engine: Engine, programme_id: str) -> None:
        self.engine, self.programme_id = engine, programme_id
        self._claims = ThreadPoolExecutor(1, thread_name_prefix="reminder-claims")
        self._records = ThreadPoolExecutor(1, thread_name_prefix="reminder-records")

    async def claim(self, reminder: Reminder) -> int | None:
        """The claimed row's id, or None if the reminder already went out."""
        return await _on(self._claims, ledger.claim, self.engine, self.programme_id, reminder)

    async def record(self, row: int, *, state: str, message_id: int | None = None,
                     error: str = "", unreachable: int | None = None) -> None:  # fmt: skip
        """How a claimed reminder ended; `unreachable`: the chat to mark as unreachable."""
        await _on(self._records, _record, self.engine, self.programme_id, row, state=state,
                  message_id=message_id, error=error, unreachable=unreachable)  # fmt: skip

    def close(self) -> None:
        """Let the threads go once their work is done (a queued record is still written)."""
        self._claims.shutdown(wait=False)
        self._records.shutdown(wait=False)


async def _on(pool: ThreadPoolExecutor, call: Callable[..., T], *args: object,
              **kwargs: object) -> T:  # fmt: skip
    return await asyncio.get_running_loop().run_in_executor(
        pool, functools.partial(call, *args, **kwargs)
    )


def _record(
    engine: Engine,
    programme_id: str,
    row: int,
    *,
    state: str,
    message_id: int | None,
    error: str,
    unreachable: int | None,
) -> None:
    ledger.finish(engine, row, state=state, message_id=message_id, error=error)
    if unreachable is not None:
        owners.mark_unreachable(engine, programme_id, unreachable)


async def _one(
    books: Books, reminder: Reminder, text: str, notifier: Notifier, report: FanoutReport
) -> None:
    row = await books.claim(reminder)
    if row is None:
        report.already_sent += 1
        return
    chat = reminder.owner.telegram_id
    assert chat is not None  # plan() only addresses people with a Telegram account
    try:
        message_id = await notifier.send(chat, text)
    except Unreachable as exc:
        report.unreachable += 1
        await books.record(row, state="unreachable", error=str(exc), unreachable=chat)
        log.warning("owner %s cannot be reached (%s); marked unreachable", reminder.owner.id, exc)
        return
    except (TelegramError, OSError) as exc:
        report.failed += 1
        await books.record(row, state="failed", error=str(exc))
        log.error("reminder %s to owner %s failed: %s", reminder.kind, reminder.owner.id, exc)
        return
    report.sent += 1
    await books.record(row, state="sent", message_id=message_id)


def _year(reminder: Reminder, at: dt.datetime) -> int:
    # The period key starts with the programme year (2019-03, 2019-W12).
    head = reminder.period[:4]
    return int(head) if head.isdigit() else at.year
