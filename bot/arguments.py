"""Command arguments as people type them (`/status 2.3 mar`), read into what the service takes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scoring import PeriodError, parse_period
from semaforo.errors import SemaforoError

USAGE = {
    "status": "/status [código] [periodo] — p. ej. /status 2.3 mar",
    "pendientes": "/pendientes [código] — p. ej. /pendientes 2.3",
    "semaforo": "/semaforo [código] [periodo] — p. ej. /semaforo 2 T1",
    "grafica": "/grafica CÓDIGO — p. ej. /grafica 2.3.1",
    "reporte": "/reporte [código] PERIODO — p. ej. /reporte T1 o /reporte 2.3 T1",
    "start": "/start [CÓDIGO DE INVITACIÓN]",
}

_YEAR_FORM = re.compile(r"^\d{4}(-.*)?$")
_QUARTER_FORM = re.compile(r"^(?:[tq][1-4]|[1-4][tq])$", re.IGNORECASE)
_CODE_FORM = re.compile(r"^(?:\d+(?:\.\d+)+|OR-\d+|INM)$", re.IGNORECASE)
_A_YEAR = re.compile(r"\b(\d{4})\b")


MAX_WORD = 40
"""The longest argument read: codes, periods and invitation codes are far shorter. A longer one
is refused without being echoed (a reply must stay under Telegram's 4,096 characters)."""


class UsageError(SemaforoError):
    """Arguments that do not fit the command; the message shows how it is used."""

    def __init__(self, command: str) -> None:
        super().__init__(f"No entendí la orden. Uso: {USAGE[command]}")


class TooLong(SemaforoError):
    """An argument longer than any code or period; the message does not repeat it."""

    def __init__(self, command: str, length: int) -> None:
        super().__init__(
            f"Ese dato es demasiado largo ({length} caracteres; como máximo {MAX_WORD}). "
            f"Uso: {USAGE[command]}"
        )


def _words(args: Sequence[str], command: str) -> list[str]:
    words = [a for a in args if a.strip()]
    longest = max((len(w) for w in words), default=0)
    if longest > MAX_WORD:
        raise TooLong(command, longest)
    return words


def looks_like_period(text: str) -> bool:
    """`mar`, `marzo 2019`, `03/2019`, `T1`, `1T`, `primer trimestre`, `2019`, `2019-03` are
    periods; `2`, `2.3`, `OR-09`, `INM` are codes. A bare number is always a code (unit 2, not
    February): months are written by name or with their year."""
    if _YEAR_FORM.match(text) or _QUARTER_FORM.match(text):
        return True
    if text.strip().isdigit() or _CODE_FORM.match(text.strip()):
        return False
    try:
        parse_period(text, programme_year=2000)
    except PeriodError:
        try:  # a year other than the placeholder's: still a period (checked against the programme)
            parse_period(text, programme_year=int(_A_YEAR.findall(text)[0]))
        except (PeriodError, IndexError):
            return False
    return True


def code_and_period(args: Sequence[str], command: str) -> tuple[str | None, str | None]:
    """An optional code, then an optional period in as many words as people write it
    (`/status 2.3 mar 2019`, `/status primer trimestre`); one word is whichever it looks like."""
    words = _words(args, command)
    if not words:
        return None, None
    if looks_like_period(" ".join(words)):
        return None, " ".join(words)
    code, rest = words[0], words[1:]
    if len(rest) > 3:
        raise UsageError(command)
    return code, " ".join(rest) or None


def at_most_one(args: Sequence[str], command: str) -> str | None:
    """A single optional argument."""
    words = _words(args, command)
    if len(words) > 1:
        raise UsageError(command)
    return words[0] if words else None
