"""Readable log lines, and no secret in any of them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

MASK = "«secreto»"
BOT_URL_TOKEN = re.compile(r"(/bot)[0-9]+:[A-Za-z0-9_-]+")
"""A bot token inside a Bot API URL (`…/bot<token>/getMe`), configured or not."""


class Redact(logging.Filter):
    """Masks each secret (a bot token, say), and any token in a `/bot<token>/` URL, in a
    record's message, arguments, traceback and stack."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Mask these too; the longest first, so a secret holding another is masked whole."""
        known = {*self.secrets, *(s for s in secrets if s)}
        self.secrets = sorted(known, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """The text with every secret masked."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return BOT_URL_TOKEN.sub(rf"\g<1>{MASK}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep both, masked
            message = f"{record.msg} {record.args!r}"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.scrub(message), None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


_redact = Redact()
"""The one filter every handler of the root logger gets; it learns secrets as they are known."""


def redact_everywhere(secrets: Iterable[str]) -> Redact:
    """Mask these secrets (and bot tokens in URLs) on every handler of the root logger."""
    _redact.add(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_redact)  # once: addFilter skips a filter it already has
    # Libraries log request URLs, which carry the token, at INFO: masked, and kept quieter.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return _redact


def scrub(text: str) -> str:
    """Text for a person (an error line): the secrets known to the logs masked in it too."""
    return _redact.scrub(text)


def url_password(url: str) -> list[str]:
    """The password of a database URL, as written and decoded; none when there is none."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


def key_material(path: Path | None) -> list[str]:
    """A service-account file's private key (whole, escaped as in JSON, and line by line) and
    key id: whatever part of it a traceback might quote."""
    if path is None:
        return []
    try:
        account = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # missing or unreadable: `doctor` says so; there is nothing to mask
    if not isinstance(account, dict):
        return []
    key, key_id = str(account.get("private_key") or ""), str(account.get("private_key_id") or "")
    lines = [line for line in key.splitlines() if len(line) >= 16 and "PRIVATE KEY" not in line]
    return [s for s in (key, json.dumps(key)[1:-1], key_id, *lines) if s]
