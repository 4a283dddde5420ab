"""The operator's commands: `run`, `remind`, `db upgrade`, `doctor` and `demo` (registered by
`app.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from app import demo
from semaforo import service
from semaforo.errors import NotConfigured, Unavailable
from semaforo.logs import scrub
from semaforo.reminders import ledger
from semaforo.reminders.plan import KIND_WORDS, Reminder, Timing, timing_from
from semaforo.reminders.text import reminder_text
from semaforo.settings import Settings
from semaforo.store.engine import create_schema, make_engine

if TYPE_CHECKING:
    from scheduler.fanout import FanoutReport

EXIT_OK, EXIT_PROBLEMS = 0, 1


def register(sub: Any, common: argparse.ArgumentParser, cmd: Callable[..., Any]) -> None:
    """Add the service commands to the CLI's sub-command parser."""
    run = cmd(sub, "run", "the bot, the scheduled syncs and the reminders, until stopped", _run,
              common)  # fmt: skip
    run.add_argument(
        "--poll-timeout", type=float, default=10.0, help=argparse.SUPPRESS
    )  # long-polling wait; tests shorten it
    _remind_parser(sub, common, cmd)
    db = sub.add_parser("db", help="the database schema")
    db_sub = db.add_subparsers(title="db commands", required=True)
    cmd(db_sub, "upgrade", "bring the schema to the current version (Alembic)", _db_upgrade,
        common)  # fmt: skip
    cmd(sub, "doctor", "check the database, workbook, bot token, clock and next jobs", _doctor,
        common)  # fmt: skip
    demo = cmd(sub, "demo", "the whole product on a local workbook and SQLite, no accounts",
               _demo, common)  # fmt: skip
    demo.add_argument(
        "--dir", type=Path, default=Path("semaforo-demo"),
        help="where the workbook, database and chart go (kept between runs)",
    )  # fmt: skip


def _remind_parser(sub: Any, common: argparse.ArgumentParser, cmd: Callable[..., Any]) -> None:
    rem = cmd(sub, "remind", "the reminders due at a moment: list them or send them now",
              _remind, common)  # fmt: skip
    rem.add_argument(
        "--at", type=_moment, required=True,
        help="the moment, in the programme's time zone, e.g. 2019-03-27T09:00",
    )  # fmt: skip
    rem.add_argument("--dry-run", action="store_true", help="list them; send nothing")
    rem.add_argument("--json", action="store_true", help="as JSON")


def _moment(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"momento no válido «{text}»; use AAAA-MM-DDTHH:MM, p. ej. 2019-03-27T09:00"
        ) from None


def _remind(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    due = ledger.due_at(engine, programme, args.at, timing=_timing(settings, engine, programme))
    if args.dry_run:
        _print_due(due.pending, args.json, due.at, settings.locale)
        return EXIT_OK
    report = asyncio.run(_send_now(settings, engine, programme, args.at))
    if args.json:
        print(json.dumps(dataclasses.asdict(report), default=str, ensure_ascii=False, indent=2))
    else:
        print(report.line())
    return EXIT_OK if report.failed == 0 else EXIT_PROBLEMS


def _timing(settings: Settings, engine: Engine, programme: str) -> Timing:
    stored = service.programme(engine, programme)
    return timing_from(settings, stored.deadline_business_days)


def _print_due(due: list[Reminder], as_json: bool, at: dt.datetime, locale: str) -> None:
    if as_json:
        print(json.dumps([_reminder_json(r) for r in due], ensure_ascii=False, indent=2))
        return
    if not due:
        print(f"ningún recordatorio pendiente al {at:%Y-%m-%d %H:%M}")
    for reminder in due:
        print(f"— {reminder.owner.name} · {KIND_WORDS[reminder.kind]} · {reminder.period}")
        text = reminder_text(reminder, year=int(reminder.period[:4]), today=at.date(),
                             locale=locale)  # fmt: skip
        print("  " + text.replace("\n", "\n  "))


def _reminder_json(reminder: Reminder) -> dict[str, Any]:
    return {
        "owner": reminder.owner.name,
        "kind": reminder.kind.value,
        "period": reminder.period,
        "indicators": [i.label for i in reminder.items],
        "units": [u.code for u in reminder.units],
        "telegram_id": reminder.owner.telegram_id,
    }


async def _send_now(
    settings: Settings, engine: Engine, programme: str, at: dt.datetime
) -> FanoutReport:
    # python-telegram-bot loads only for the commands that talk to Telegram (start-up time).
    from telegram.error import NetworkError
    from telegram.ext import ExtBot

    from app.runtime import on_signals
    from bot.application import connect, rate_limiter
    from scheduler.fanout import send_due
    from scheduler.notifier import TelegramNotifier

    if settings.telegram_token is None:
        raise NotConfigured(
            "falta SEMAFORO_TELEGRAM_TOKEN para enviar; use --dry-run para solo listarlos"
        )
    base = settings.telegram_api_url
    bot: ExtBot[int] = ExtBot(
        settings.telegram_token.get_secret_value(), base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot", rate_limiter=rate_limiter(),
    )  # fmt: skip
    try:
        await connect(bot)  # a rejected token: one line (NotConfigured), before anything is claimed
    except NetworkError as exc:  # TimedOut too
        raise Unavailable(
            f"Telegram no responde ({scrub(str(exc))}); no se envió ni se marcó ningún "
            "recordatorio: vuelva a intentarlo"
        ) from None
    stop = asyncio.Event()
    on_signals(stop)  # Ctrl-C stops claiming; the sends in flight finish and are recorded
    async with bot:
        return await send_due(
            engine, programme, at=at, notifier=TelegramNotifier(bot), locale=settings.locale,
            timing=_timing(settings, engine, programme), stop=stop,
        )  # fmt: skip


def _db_upgrade(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    from semaforo.store import migrate  # Alembic loads only for this command (start-up time)

    engine = make_engine(settings.database_url)
    try:
        done = migrate.upgrade(engine)
    finally:
        engine.dispose()
    if done.applied:
        print(f"{settings.database_url_safe}: {done.before or 'vacía'} → {done.after} "
              f"({', '.join(done.applied)})")  # fmt: skip
    else:
        print(f"{settings.database_url_safe}: ya estaba en {done.after}")
    return EXIT_OK


def _doctor(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    from app.doctor import run_checks  # it loads python-telegram-bot (start-up time)

    checks = run_checks(settings, programme)
    for check in checks:
        print(check.line())
    failed = sum(not c.ok for c in checks)
    print("todo en orden" if not failed else f"{failed} problema(s) que resolver")
    return EXIT_OK if not failed else EXIT_PROBLEMS


def _demo(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    return demo.run(args.dir)


def _run(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    from app import runtime  # python-telegram-bot and APScheduler (start-up time)

    asyncio.run(runtime.serve(settings, programme_id=programme, poll_timeout=args.poll_timeout))
    return EXIT_OK
