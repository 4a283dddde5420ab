"""`semaforo run` as an operator runs it: a real process against the local Bot API server, a
local .xlsx workbook and SQLite; answered commands, scheduled syncs, SIGTERM, a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from semaforo import models
from semaforo.db import make_engine
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import FakeBotApi

PLANNER = 400001  # the planner in sample-owners.csv
ROOT = Path(__file__).parents[2]
OWNERS = ROOT / "semaforo/catalogues/pat-inm-2019/sample-owners.csv"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "semaforo.cli", *args], capture_output=True,
                          text=True, env=env, timeout=180)  # fmt: skip


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    # Telegram's limits, tightened so a fan-out takes long enough to be interrupted
    with FakeBotApi(token=TOKEN, enforce_limits=True, global_per_second=8) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, api: FakeBotApi) -> dict[str, str]:
    environment = {
        **os.environ,
        "SEMAFORO_DATABASE_URL": f"sqlite:///{tmp_path / 'semaforo.db'}",
        "SEMAFORO_WORKBOOK": str(tmp_path / "pat.xlsx"),
        "SEMAFORO_TELEGRAM_TOKEN": TOKEN,
        "SEMAFORO_TELEGRAM_API_URL": api.url,
        "SEMAFORO_CLOCK": "2019-04-08T10:00",  # March's overdue notices are due
        "SEMAFORO_SYNC_MINUTES": "0.02",  # about every second
    }
    assert _cli("owners", "import", str(OWNERS), env=environment).returncode == 0
    assert _cli("sheet", "init", env=environment).returncode == 0
    return environment


def _start(env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[str]:
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "semaforo.cli", "-v", "run", "--poll-timeout", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _ledger(env: dict[str, str]) -> list[models.Reminder]:
    engine = make_engine(env["SEMAFORO_DATABASE_URL"])
    with Session(engine) as session:
        rows = list(session.exec(select(models.Reminder)).all())
    engine.dispose()
    return rows


def _syncs(env: dict[str, str]) -> int:
    engine = make_engine(env["SEMAFORO_DATABASE_URL"])
    with Session(engine) as session:
        runs = len(session.exec(select(models.SyncRun)).all())
    engine.dispose()
    return runs


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_run_answers_syncs_on_schedule_stops_on_sigterm_and_resumes_the_fanout_once(
    env: dict[str, str], api: FakeBotApi, tmp_path: Path
) -> None:
    dry = _cli("remind", "--at", "2019-04-08T10:00", "--dry-run", "--json", env=env)
    expected = len(json.loads(dry.stdout))
    assert expected > 10
    service = _start(env, tmp_path, "first")
    try:
        api.push_message(PLANNER, "/status")
        reply = api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                             and c.params["chat_id"] == PLANNER
                             and "Programa Anual" in c.params["text"], timeout=60)  # fmt: skip
        assert "Periodo enero–abril 2019" in reply.params["text"]
        _wait(lambda: _syncs(env) >= 2)  # at start, then on schedule
        # SIGTERM in the middle of the overdue fan-out
        _wait(lambda: sum(1 for c in api.sent() if c.params["text"].startswith("❗")) >= 3)
        stopped_at = time.monotonic()
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0
        assert time.monotonic() - stopped_at < 10
    finally:
        if service.poll() is None:
            service.kill()
    first = _ledger(env)
    assert first and all(r.state != "claimed" for r in first), Counter(r.state for r in first)
    assert len(first) < expected  # it was stopped part-way
    sent_before = len([c for c in api.sent() if c.params["text"].startswith("❗")])

    again = _start(env, tmp_path, "second")
    try:
        _wait(lambda: len(_ledger(env)) == expected
              and all(r.state == "sent" for r in _ledger(env)), timeout=90)  # fmt: skip
        time.sleep(1.5)  # a further sweep must add nothing
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=30) == 0
    finally:
        if again.poll() is None:
            again.kill()
    # overdue notices, director digests and the Monday planning digest
    notices = Counter((c.params["chat_id"], c.params["text"]) for c in api.sent()
                      if c.params["text"][:1] in ("❗", "📋"))  # fmt: skip
    assert max(notices.values()) == 1  # nobody got the same notice twice
    assert len(notices) == len(_ledger(env)) > sent_before
    log = (tmp_path / "first.log").read_text()
    assert TOKEN not in log and "recordatorios" in log
