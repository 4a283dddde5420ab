"""`semaforo run` as an operator runs it: a real process against the local Bot API server, a
local .xlsx workbook and SQLite; answered commands, scheduled syncs, SIGTERM, a restart."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from semaforo.store import models
from semaforo.store.engine import make_engine
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import Call, FakeBotApi

PLANNER = 400001  # the planner in sample-owners.csv
ROOT = Path(__file__).parents[2]
OWNERS = ROOT / "semaforo/catalogue/bundled/pat-inm-2019/sample-owners.csv"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True,
                          text=True, env=env, timeout=180)  # fmt: skip


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    # Telegram's limits, tightened so a fan-out takes long enough to be interrupted
    with FakeBotApi(token=TOKEN, enforce_limits=True, global_per_second=8) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, api: FakeBotApi) -> dict[str, str]:
    return _environment(tmp_path, api.url)


def _environment(tmp_path: Path, api_url: str) -> dict[str, str]:
    """The settings of a service with its people and workbook in place (no Telegram needed)."""
    environment = {
        **os.environ,
        "SEMAFORO_DATABASE_URL": f"sqlite:///{tmp_path / 'semaforo.db'}",
        "SEMAFORO_WORKBOOK": str(tmp_path / "pat.xlsx"),
        "SEMAFORO_TELEGRAM_TOKEN": TOKEN,
        "SEMAFORO_TELEGRAM_API_URL": api_url,
        "SEMAFORO_CLOCK": "2019-04-08T10:00",  # March's overdue notices are due
        "SEMAFORO_SYNC_MINUTES": "0.02",  # about every second
        "SEMAFORO_REMINDER_CHECK_MINUTES": "0.02",
    }
    assert _cli("owners", "import", str(OWNERS), env=environment).returncode == 0
    assert _cli("sheet", "init", env=environment).returncode == 0
    return environment


def _start(env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[str]:
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "-v", "run", "--poll-timeout", "1"],
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


def _notice(call: Call) -> bool:
    """An overdue notice, a director's digest or the planning digest that reached its chat."""
    return call.method == "sendMessage" and call.ok and call.params["text"][:1] in ("❗", "📋")


def _log_has(tmp_path: Path, name: str, pattern: str, count: int = 1) -> bool:
    return len(re.findall(pattern, (tmp_path / f"{name}.log").read_text())) >= count


@pytest.mark.slow
def test_run_answers_syncs_on_schedule_stops_on_sigterm_and_resumes_the_fanout_once(
    env: dict[str, str], api: FakeBotApi, tmp_path: Path
) -> None:
    dry = _cli("remind", "--at", "2019-04-08T10:00", "--dry-run", "--json", env=env)
    expected = len(json.loads(dry.stdout))
    assert expected > 10
    # After three notices the next sends wait at the server, so SIGTERM lands with sends in
    # flight on a busy machine as on an idle one; they are answered once the service has seen
    # the signal, and must be recorded while nothing further is sent.
    api.hold(lambda method, params: method.lower() == "sendmessage"
             and str(params.get("text", ""))[:1] in ("❗", "📋")
             and sum(map(_notice, api.calls)) >= 3)  # fmt: skip
    service = _start(env, tmp_path, "first")
    try:
        api.wait_held(timeout=120)
        service.send_signal(signal.SIGTERM)
        _wait(lambda: _log_has(tmp_path, "first", "stopping: finishing what is in flight"),
              timeout=120)  # fmt: skip
        api.release()
        assert service.wait(timeout=120) == 0
    finally:
        api.release()
        if service.poll() is None:
            service.kill()
    first = _ledger(env)
    assert first and all(r.state != "claimed" for r in first), Counter(r.state for r in first)
    sent_before = sum(map(_notice, api.calls))
    assert sent_before == sum(r.state == "sent" for r in first) < expected  # stopped part-way
    assert _log_has(tmp_path, "first", "detenido a medias")
    syncs_before = _syncs(env)

    again = _start(env, tmp_path, "second")
    try:
        api.push_message(PLANNER, "/status")
        reply = api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                             and c.params["chat_id"] == PLANNER
                             and "Programa Anual" in c.params["text"], timeout=120)  # fmt: skip
        assert "Periodo enero–marzo 2019" in reply.params["text"]  # through the last closed month
        _wait(lambda: _syncs(env) >= syncs_before + 2, timeout=120)  # at start, then on schedule
        _wait(lambda: len(_ledger(env)) == expected
              and all(r.state == "sent" for r in _ledger(env)), timeout=180)  # fmt: skip
        # two further sweeps (APScheduler logs each run) after everything went out send nothing
        sweep = 'Job "recordatorios[^\n]*executed successfully'
        swept = len(re.findall(sweep, (tmp_path / "second.log").read_text()))
        _wait(lambda: _log_has(tmp_path, "second", sweep, count=swept + 2), timeout=120)
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=120) == 0
    finally:
        if again.poll() is None:
            again.kill()
    # overdue notices, director digests and the Monday planning digest
    notices = Counter((c.params["chat_id"], c.params["text"]) for c in api.sent()
                      if c.params["text"][:1] in ("❗", "📋"))  # fmt: skip
    assert max(notices.values()) == 1  # nobody got the same notice twice
    assert len(notices) == len(_ledger(env)) > sent_before
    log = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    assert TOKEN not in log and "recordatorios" in log


def _free_port() -> int:
    """A port nothing listens on now (the Bot API server starts on it later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RETRY = "WARNING semaforo: Telegram not reachable"


@pytest.mark.slow
def test_run_keeps_syncing_while_telegram_is_unreachable_and_answers_once_it_is(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = _environment(tmp_path, f"http://127.0.0.1:{port}")
    service = _start(env, tmp_path, "offline")
    try:
        # Retries (one line each) and scheduled syncs go on; no reminder is claimed meanwhile.
        _wait(lambda: _log_has(tmp_path, "offline", RETRY, count=2), timeout=120)
        _wait(lambda: _syncs(env) >= 2, timeout=120)
        assert service.poll() is None and _ledger(env) == []
        with FakeBotApi(token=TOKEN, port=port) as api:
            api.push_message(PLANNER, "/status")
            api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                         and c.params["chat_id"] == PLANNER
                         and "Programa Anual" in c.params["text"], timeout=180)  # fmt: skip
            api.wait_for(_notice, timeout=120)  # the reminders held back go out now
            service.send_signal(signal.SIGTERM)
            assert service.wait(timeout=120) == 0
    finally:
        if service.poll() is None:
            service.kill()
    log = (tmp_path / "offline.log").read_text()
    retries = [line for line in log.splitlines() if RETRY in line]
    assert retries[0].endswith("trying again in 1 s; the syncs go on, reminders wait")
    assert f"Telegram reachable after {len(retries)} failed attempt(s)" in log
    assert "Traceback" not in log and TOKEN not in log and "bot @semaforo_test_bot answering" in log
    assert all(r.state != "claimed" for r in _ledger(env))


@pytest.mark.slow
def test_run_stops_cleanly_on_sigterm_while_telegram_is_still_unreachable(
    tmp_path: Path,
) -> None:
    env = _environment(tmp_path, f"http://127.0.0.1:{_free_port()}")
    service = _start(env, tmp_path, "never")
    try:
        _wait(lambda: _log_has(tmp_path, "never", RETRY), timeout=120)
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=120) == 0
    finally:
        if service.poll() is None:
            service.kill()
    log = (tmp_path / "never.log").read_text()
    assert "Traceback" not in log and log.rstrip().endswith("INFO semaforo: stopped")
