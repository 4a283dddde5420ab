"""Readable log lines, and no secret in any of them."""

from __future__ import annotations

import logging
from collections.abc import Iterable


class Redact(logging.Filter):
    """Replaces each secret (a bot token, say) in a record's message, arguments and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, "«secreto»")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "«secreto»")
        record.msg, record.args = message, None
        return True


def redact_everywhere(secrets: Iterable[str]) -> Redact:
    """Install the filter on every handler of the root logger (and on new records' path)."""
    redact = Redact(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(redact)
    # Libraries log request URLs, which carry the token, at INFO: keep them quieter.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return redact
