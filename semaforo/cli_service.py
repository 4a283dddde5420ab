"""`semaforo run` and the other commands about the running service (registered by `cli`)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from semaforo import runtime
from semaforo.settings import Settings

EXIT_OK = 0


def register(sub: Any, common: argparse.ArgumentParser, cmd: Callable[..., Any]) -> None:
    """Add the service commands to the CLI's sub-command parser."""
    run = cmd(sub, "run", "the bot, the scheduled syncs and the reminders, until stopped", _run,
              common)  # fmt: skip
    run.add_argument(
        "--poll-timeout", type=float, default=10.0, help=argparse.SUPPRESS
    )  # long-polling wait; tests shorten it


def _run(args: argparse.Namespace, settings: Settings, programme: str) -> int:
    asyncio.run(runtime.serve(settings, programme_id=programme, poll_timeout=args.poll_timeout))
    return EXIT_OK
