"""Sending the reminders that hold at a moment: claim in the ledger, send, finish.

A stop request (SIGTERM) lets the sends in flight finish and record themselves, and claims
nothing new; what was not claimed goes out on the next start, while it is still meaningful.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from telegram.error import TelegramError

from scheduler.notifier import Notifier, Unreachable
from semaforo.people import owners
from semaforo.reminders import ledger
from semaforo.reminders.plan import Kind, Reminder, Timing
from semaforo.reminders.text import reminder_text

log = logging.getLogger("semaforo.reminders")


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
    workers: int = 20,
    stop: asyncio.Event | None = None,
) -> FanoutReport:
    """Send every reminder that holds at `at` and has not gone out yet; exactly once each."""
    due = await asyncio.to_thread(ledger.due_at, engine, programme_id, at, timing=timing)
    report = FanoutReport(at=due.at, due=len(due.pending), already_sent=len(due.done))
    report.stale = await asyncio.to_thread(ledger.release_stale, engine, programme_id, due)
    if not due.pending:
        return report
    unreachable = await asyncio.to_thread(_unreachable_names, engine, programme_id)
    queue: asyncio.Queue[Reminder] = asyncio.Queue()
    for reminder in due.pending:
        queue.put_nowait(reminder)

    async def worker() -> None:
        while not queue.empty():
            if stop is not None and stop.is_set():
                report.stopped = True
                return
            reminder = queue.get_nowait()
            text = reminder_text(
                reminder, year=_year(reminder, due.at), today=due.at.date(), locale=locale,
                unreachable=unreachable if reminder.kind is Kind.WEEKLY else (),
            )  # fmt: skip
            # A cancellation of the sweep (APScheduler at shutdown) waits for the send in
            # flight and its ledger record rather than leaving the row claimed after a send.
            in_flight = asyncio.ensure_future(
                _one(engine, programme_id, reminder, text, notifier, report)
            )
            try:
                await asyncio.shield(in_flight)
            except asyncio.CancelledError:
                await in_flight
                raise

    await asyncio.gather(*(worker() for _ in range(max(1, workers))))
    log.info("%s", report.line())
    return report


async def _one(
    engine: Engine,
    programme_id: str,
    reminder: Reminder,
    text: str,
    notifier: Notifier,
    report: FanoutReport,
) -> None:
    row = await asyncio.to_thread(ledger.claim, engine, programme_id, reminder)
    if row is None:
        report.already_sent += 1
        return
    chat = reminder.owner.telegram_id
    assert chat is not None  # plan() only addresses people with a Telegram account
    try:
        message_id = await notifier.send(chat, text)
    except Unreachable as exc:
        report.unreachable += 1
        await asyncio.to_thread(ledger.finish, engine, row, state="unreachable", error=str(exc))
        await asyncio.to_thread(owners.mark_unreachable, engine, programme_id, chat)
        log.warning("owner %s blocked the bot; marked unreachable", reminder.owner.id)
        return
    except (TelegramError, OSError) as exc:
        report.failed += 1
        await asyncio.to_thread(ledger.finish, engine, row, state="failed", error=str(exc))
        log.error("reminder %s to owner %s failed: %s", reminder.kind, reminder.owner.id, exc)
        return
    report.sent += 1
    await asyncio.to_thread(ledger.finish, engine, row, state="sent", message_id=message_id)


def _year(reminder: Reminder, at: dt.datetime) -> int:
    # The period key starts with the programme year (2019-03, 2019-W12).
    head = reminder.period[:4]
    return int(head) if head.isdigit() else at.year


def _unreachable_names(engine: Engine, programme_id: str) -> tuple[str, ...]:
    people = owners.list_owners(engine, programme_id)
    return tuple(p.name for p in people if p.unreachable or p.telegram_id is None)
