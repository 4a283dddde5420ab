"""No token, key or password in anything a command prints or logs: the suite's scenarios run as
real processes with known secrets, at the default verbosity and with -v, and every byte they
wrote to stdout, stderr or their log is searched for the secrets."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from semaforo.logs import Redact
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.sheets_api import FakeSheetsApi, write_service_account_file

ROOT = Path(__file__).parents[2]
OWNERS = ROOT / "semaforo/catalogue/bundled/pat-inm-2019/sample-owners.csv"
PLANNER = 400001  # the planner in sample-owners.csv
SECRET = TOKEN.partition(":")[2]  # the bot id before the colon is public; this part is not
REJECTED = "987654321:AAH-a-token-telegram-does-not-know-0123"
PASSWORD = "S3cretPw"
UNREACHABLE_DATABASE = f"postgresql://semaforo:{PASSWORD}@127.0.0.1:1/x"
SHEET = "1semaforoSecretsTestSpreadsheet000000"
TOKEN_REJECTED = "error: Telegram rechazó el token: revise SEMAFORO_TELEGRAM_TOKEN con @BotFather"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True,
                          text=True, env=env, timeout=180)  # fmt: skip


def _said(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def _assert_hidden(output: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in output, f"{secret!r} shown:\n{output}"
    assert "Traceback" not in output, output


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, api: FakeBotApi) -> dict[str, str]:
    """A local workbook and SQLite; the Bot API server knows TOKEN; nothing else SEMAFORO_*."""
    bare = {k: v for k, v in os.environ.items() if not k.startswith("SEMAFORO_")}
    return {
        **bare, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
        "SEMAFORO_DATABASE_URL": f"sqlite:///{tmp_path / 'semaforo.db'}",
        "SEMAFORO_WORKBOOK": str(tmp_path / "pat.xlsx"), "SEMAFORO_TELEGRAM_TOKEN": TOKEN,
        "SEMAFORO_TELEGRAM_API_URL": api.url, "SEMAFORO_CLOCK": "2019-04-08T10:00",
        "SEMAFORO_SYNC_MINUTES": "0.02", "SEMAFORO_REMINDER_CHECK_MINUTES": "0.02",
    }  # fmt: skip


@pytest.mark.slow
def test_the_token_shows_in_no_command_of_the_scenarios(
    env: dict[str, str], api: FakeBotApi, tmp_path: Path
) -> None:
    said: list[str] = []
    for args in (
        ["owners", "import", str(OWNERS)],
        ["-v", "sheet", "init"],
        ["-v", "sync"],
        ["-v", "status"],
        ["-v", "remind", "--at", "2019-04-08T10:00", "--dry-run"],
        ["-v", "remind", "--at", "2019-04-08T10:00"],
        ["doctor"],
        ["-v", "doctor"],
    ):
        done = _cli(*args, env=env)
        assert done.returncode == 0, _said(done)
        said.append(_said(done))
    assert any(c.method == "sendMessage" and c.ok for c in api.calls)  # the real send sent
    assert "✔ bot de Telegram: @semaforo_test_bot responde" in said[-1]

    log = tmp_path / "run.log"
    with log.open("w") as out:
        service = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "-v", "run", "--poll-timeout", "1"],
            env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        api.push_message(PLANNER, "/status")
        api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                     and c.params["chat_id"] == PLANNER
                     and "Programa Anual" in c.params["text"], timeout=120)  # fmt: skip
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=120) == 0
    finally:
        if service.poll() is None:
            service.kill()
    said.append(log.read_text())
    assert "bot @semaforo_test_bot answering" in said[-1]
    _assert_hidden("\n".join(said), TOKEN, SECRET)


@pytest.mark.slow
def test_a_token_telegram_rejects_is_one_line_and_a_failure_from_run_remind_and_doctor(
    env: dict[str, str],
) -> None:
    rejected = {**env, "SEMAFORO_TELEGRAM_TOKEN": REJECTED}
    for command in (["run", "--poll-timeout", "1"], ["remind", "--at", "2019-04-08T10:00"]):
        quiet = _cli(*command, env=rejected)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (2, "", TOKEN_REJECTED + "\n")
        loud = _cli("-v", *command, env=rejected)
        assert loud.returncode == 2 and loud.stderr.endswith(TOKEN_REJECTED + "\n"), _said(loud)
        _assert_hidden(_said(loud), REJECTED, REJECTED.partition(":")[2])
    for verbose in ([], ["-v"]):
        doctor = _cli(*verbose, "doctor", env=rejected)
        assert doctor.returncode == 1
        assert "✘ bot de Telegram: Telegram rechazó el token" in doctor.stdout
        _assert_hidden(_said(doctor), REJECTED, REJECTED.partition(":")[2])


def test_remind_with_telegram_unreachable_is_one_line_to_retry_and_claims_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    down = {**env, "SEMAFORO_TELEGRAM_API_URL": "http://127.0.0.1:1"}  # nothing listens on 1
    done = _cli("remind", "--at", "2019-04-08T10:00", env=down)
    assert done.returncode == 1 and done.stdout == "", _said(done)
    assert done.stderr.startswith("error: Telegram no responde (") and done.stderr.count("\n") == 1
    assert "no se envió ni se marcó ningún recordatorio" in done.stderr
    _assert_hidden(_said(done), SECRET)


def test_a_database_password_shows_in_no_command(env: dict[str, str]) -> None:
    unreachable = {**env, "SEMAFORO_DATABASE_URL": UNREACHABLE_DATABASE}
    for args in (["-v", "status"], ["-v", "sync"], ["-v", "doctor"], ["-v", "run"]):
        done = _cli(*args, env=unreachable)
        assert done.returncode != 0
        assert "error: la base de datos no responde" in done.stderr or args[-1] == "doctor"
        _assert_hidden(_said(done), PASSWORD, TOKEN)


@pytest.mark.slow
def test_the_service_account_key_shows_in_no_command_on_a_google_workbook(
    env: dict[str, str], tmp_path: Path
) -> None:
    with FakeSheetsApi() as sheets:
        sheets.create_spreadsheet(SHEET, ["Hoja 1"], row_count=50, column_count=10)
        key = write_service_account_file(tmp_path / "cuenta.json", token_uri=sheets.token_uri)
        google = {
            **env, "SEMAFORO_WORKBOOK": SHEET, "SEMAFORO_GOOGLE_CREDENTIALS": str(key),
            "SEMAFORO_SHEETS_API_URL": sheets.url,
        }  # fmt: skip
        said = []
        for args in (["-v", "sheet", "init"], ["-v", "sync"], ["-v", "doctor"]):
            done = _cli(*args, env=google)
            assert done.returncode == 0, _said(done)
            said.append(_said(done))
    account = json.loads(key.read_text())
    body = [line for line in account["private_key"].splitlines() if "PRIVATE KEY" not in line]
    _assert_hidden("\n".join(said), TOKEN, account["private_key_id"], *body[:-1])


def test_an_unforeseen_failure_is_one_line_without_the_token(env: dict[str, str]) -> None:
    # A bug that quotes the token: the command's handler replaced by one that raises.
    crash = (
        "import sys, app.operations as o\n"
        "def boom(*args): raise RuntimeError('rejected: ' + sys.argv[1])\n"
        "o._doctor = boom\n"
        "from app.cli import main\n"
        "raise SystemExit(main(sys.argv[2:]))\n"
    )
    for verbose in ([], ["-v"]):
        done = subprocess.run([sys.executable, "-c", crash, TOKEN, *verbose, "doctor"], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == (
            "error: fallo inesperado: RuntimeError: rejected: «secreto» (con -v, el detalle)"
        )
        _assert_hidden(done.stdout + done.stderr.replace("Traceback", ""), TOKEN, SECRET)
        assert ("Traceback" in done.stderr) == bool(verbose)  # the detail, masked, with -v


def test_a_bot_token_in_a_request_url_is_masked_even_when_not_configured() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, 'HTTP Request: POST %s "HTTP/1.1 200 OK"',
        (f"https://api.telegram.org/bot{REJECTED}/getMe",), None,
    )  # fmt: skip
    Redact([]).filter(record)
    assert record.getMessage() == (
        'HTTP Request: POST https://api.telegram.org/bot«secreto»/getMe "HTTP/1.1 200 OK"'
    )


def test_every_secret_in_a_record_and_its_traceback_is_masked() -> None:
    try:
        raise ValueError(f"could not connect with {PASSWORD}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (TOKEN,),
                                   sys.exc_info())  # fmt: skip
    Redact([TOKEN, PASSWORD]).filter(record)
    assert record.getMessage() == "token «secreto»"
    assert record.exc_text and PASSWORD not in record.exc_text and "«secreto»" in record.exc_text
