"""How reminders reach people: a narrow interface, and its Telegram adapter."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter

log = logging.getLogger("semaforo.reminders")

NO_CHAT = "chat not found"
"""Telegram's 400 for a person who never opened the bot (PTB: BadRequest("Chat not found"))."""


class Unreachable(Exception):
    """The person blocked the bot or deleted their account (Telegram answered 403), or never
    opened a chat with it (400 "chat not found"): sending again would not reach them."""


class Notifier(Protocol):
    """Sends one text to one chat; the message id, or Unreachable."""

    async def send(self, chat_id: int, text: str) -> int: ...


class TelegramNotifier:
    """Sends through a python-telegram-bot `Bot` (with its rate limiter: about 30 messages a
    second overall); keeps one second between two messages to the same chat, as Telegram asks,
    and waits out a 429 that gets past the limiter."""

    def __init__(self, bot: Bot, *, per_chat_interval: float = 1.0, max_waits: int = 5) -> None:
        self.bot = bot
        self.per_chat_interval = per_chat_interval
        self.max_waits = max_waits
        self.too_many_requests = 0
        self._last: dict[int, float] = {}

    async def send(self, chat_id: int, text: str) -> int:
        """Send, respecting the per-chat pace; retry after `retry_after` on a 429; Unreachable
        for a 403 or a chat Telegram does not know."""
        loop = asyncio.get_running_loop()
        wait = self._last.get(chat_id, -1e9) + self.per_chat_interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        for attempt in range(self.max_waits + 1):
            try:
                message = await self.bot.send_message(chat_id, text)
            except Forbidden as exc:
                raise Unreachable(str(exc)) from exc
            except BadRequest as exc:
                if NO_CHAT in exc.message.lower():
                    raise Unreachable(str(exc)) from exc
                raise
            except RetryAfter as exc:
                self.too_many_requests += 1
                if attempt == self.max_waits:
                    raise
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            finally:
                self._last[chat_id] = loop.time()
            return message.message_id
        raise AssertionError("unreachable")  # the loop returns or raises


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
