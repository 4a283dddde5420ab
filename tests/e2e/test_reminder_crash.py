"""`semaforo remind` killed with SIGKILL mid fan-out, then run again: the real process and the
real python-telegram-bot against the local Bot API server with Telegram's limits. No reminder is
lost, and no more go out twice than the fan-out keeps in flight."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scheduler.fanout import IN_FLIGHT
from semaforo import service
from semaforo.reminders import ledger
from semaforo.store.engine import create_schema, make_engine
from sheets_sync.owners_file import import_owners
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import FakeBotApi

PAT = "pat-inm-2019"
AT = "2019-03-27T09:00"  # March's due-soon moment: nothing captured, every owner is due
OWNERS = 90
KILL_AFTER = 30  # deliveries before the kill
FIRST_ID = 700_000


def _owners_csv(url: str) -> set[int]:
    """Capture owners with distinct Telegram ids dealt over the units with a March indicator;
    the chats due at AT."""
    engine = make_engine(url)
    create_schema(engine)
    catalogue = service.programme(engine, PAT).catalogue
    units = list(dict.fromkeys(i.unit for i in catalogue.indicators
                               if not i.office_indicator and 3 in i.months))  # fmt: skip
    rows = ["Nombre,Correo,Telegram,Rol,Unidades"] + [
        f"Responsable {n:03d},,{FIRST_ID + n},captura,{units[n % len(units)]}"
        for n in range(OWNERS)
    ]
    changed, issues, problems = import_owners(engine, PAT, "\n".join(rows), name="owners.csv")
    assert changed == OWNERS and not issues and not problems
    due = {r.owner.telegram_id for r in ledger.due_at(engine, PAT, dt.datetime.fromisoformat(AT))
           .pending if r.owner.telegram_id is not None}  # fmt: skip
    engine.dispose()
    return due


class HoldAfter:
    """The fake's hold predicate: once `deliveries` messages went out, every further one waits
    unanswered at the server (in flight), and the test can count how many are waiting."""

    def __init__(self, api: FakeBotApi, deliveries: int) -> None:
        self.api, self.deliveries = api, deliveries
        self.held: list[int] = []
        self._changed = threading.Condition()

    def __call__(self, method: str, params: dict[str, Any]) -> bool:
        # called by the server with its lock held: api.calls is stable here
        delivered = sum(1 for c in self.api.calls if c.method == "sendMessage" and c.ok)
        if method != "sendMessage" or delivered < self.deliveries:
            return False
        with self._changed:
            self.held.append(params["chat_id"])
            self._changed.notify_all()
        return True

    def wait(self, count: int, process: subprocess.Popen[str], timeout: float = 120.0) -> None:
        """Until `count` sends are held, or the process is gone (an error, not a wait)."""

        def reap() -> None:
            process.wait()
            with self._changed:
                self._changed.notify_all()

        threading.Thread(target=reap, daemon=True).start()
        with self._changed:
            self._changed.wait_for(lambda: len(self.held) >= count or process.poll() is not None,
                                   timeout)  # fmt: skip
        if len(self.held) < count:
            exited = process.poll()
            said = process.stderr.read() if exited is not None and process.stderr else ""
            raise AssertionError(f"{len(self.held)} sends held, not {count}; exit {exited} {said}")


@pytest.mark.slow
def test_a_kill_9_mid_fanout_loses_no_reminder_and_repeats_at_most_the_sends_in_flight(
    tmp_path: Path,
) -> None:
    with FakeBotApi(token=TOKEN, enforce_limits=True) as api:
        env = {
            **os.environ,
            "SEMAFORO_DATABASE_URL": f"sqlite:///{tmp_path / 'semaforo.db'}",
            "SEMAFORO_TELEGRAM_TOKEN": TOKEN,
            "SEMAFORO_TELEGRAM_API_URL": api.url,
        }
        due = _owners_csv(env["SEMAFORO_DATABASE_URL"])
        assert len(due) >= 80
        # After KILL_AFTER deliveries every send waits at the server: once all the fan-out's
        # slots are waiting, the kill lands with the most sends in flight it can ever have.
        hold = HoldAfter(api, KILL_AFTER)
        api.hold(hold)
        remind = [sys.executable, "-m", "app.cli", "remind", "--at"]
        first = subprocess.Popen([*remind, AT], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            hold.wait(IN_FLIGHT, first)
            first.kill()
            _, err = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
            delivered = len(api.sent())
            # Telegram got them before the process died: delivered, and never recorded as such
            api.release()
        assert first.returncode == -9, err

        engine = make_engine(env["SEMAFORO_DATABASE_URL"])
        rows = ledger.entries(engine, PAT)
        engine.dispose()
        states = Counter(r.state for r in rows)
        assert states["sent"] == delivered >= KILL_AFTER  # every answered send was recorded
        assert states["claimed"] == len(hold.held) <= IN_FLIGHT, states

        again = subprocess.run([*remind, "2019-03-27T09:05"], env=env, capture_output=True,
                               text=True, timeout=180)  # fmt: skip
        assert again.returncode == 0, again.stderr

    chats = Counter(c.params["chat_id"] for c in api.sent())
    lost = due - set(chats)
    duplicated = sum(n - 1 for n in chats.values())
    assert not lost and set(chats) == due
    assert duplicated <= IN_FLIGHT
