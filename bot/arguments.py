"""Command arguments as people type them (`/status 2.3 mar`), read into what the service takes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scoring import PeriodError, parse_period
from semaforo.errors import SemaforoError

USAGE = {
    "status": "/status [código] [periodo] — p. ej. /status 2.3 mar",
    "pendientes": "/pendientes [código] — p. ej. /pendientes 2.3",
    "semaforo": "/semaforo [periodo] — p. ej. /semaforo T1",
    "grafica": "/grafica CÓDIGO — p. ej. /grafica 2.3.1",
    "start": "/start [CÓDIGO DE INVITACIÓN]",
}

_YEAR_FORM = re.compile(r"^\d{4}(-.*)?$")
_QUARTER_FORM = re.compile(r"^[tq][1-4]$", re.IGNORECASE)


class UsageError(SemaforoError):
    """Arguments that do not fit the command; the message shows how it is used."""

    def __init__(self, command: str) -> None:
        super().__init__(f"No entendí la orden. Uso: {USAGE[command]}")


def looks_like_period(word: str) -> bool:
    """`mar`, `marzo`, `T1`, `2019`, `2019-03` are periods; `2`, `2.3`, `OR-09`, `INM` are codes."""
    if _YEAR_FORM.match(word) or _QUARTER_FORM.match(word):
        return True
    if any(ch.isdigit() for ch in word):
        return False
    try:
        parse_period(word, programme_year=2000)
    except PeriodError:
        return False
    return True


def code_and_period(args: Sequence[str], command: str) -> tuple[str | None, str | None]:
    """Up to a code and a period, in that order; one word is whichever it looks like."""
    words = [a for a in args if a.strip()]
    if len(words) > 2:
        raise UsageError(command)
    if len(words) == 2:
        return words[0], words[1]
    if len(words) == 1:
        return (None, words[0]) if looks_like_period(words[0]) else (words[0], None)
    return None, None


def at_most_one(args: Sequence[str], command: str) -> str | None:
    """A single optional argument."""
    words = [a for a in args if a.strip()]
    if len(words) > 1:
        raise UsageError(command)
    return words[0] if words else None
