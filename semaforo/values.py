"""Reading the numbers people type (`95%`, `1,314`, `95,5`, ` 12 `, `$2,600`) or saying why not.

One parser for every place a person types a figure: the capture CSV, the workbook's cells and
the bot. Reasons are in Spanish because they go back to the person who typed the value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Number", "Rejected", "parse_number", "plain", "shown"]


@dataclass(frozen=True, slots=True)
class Number:
    """A figure read from text; `percent` when it was written with a % sign."""

    value: float
    percent: bool = False


@dataclass(frozen=True, slots=True)
class Rejected:
    """Text that is not a figure, with the reason in the words its author will read."""

    reason: str


_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
"""Invisible characters a copy from a web page or a PDF leaves in a number; the author meant
the number, so they are dropped (and named in any message that echoes the text)."""
SHOWN_LIMIT = 80
_NOT_A_VALUE = {
    "n/a", "na", "n.a.", "n/d", "nd", "s/d", "sd", "-", "--", "—", "–", "x", "?", "pendiente",
}  # fmt: skip
_DATE = re.compile(r"^(\d{1,4})[/-](\d{1,2})(?:[/-](\d{1,4}))?(?:[ t]\d{1,2}:\d{2}(:\d{2})?)?$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$|^\.\d+$")
_DECIMAL_COMMA = re.compile(r"^\d*,\d+$")


def parse_number(text: str) -> Number | Rejected | None:
    """A typed figure, a rejection saying why it is not one, or None for an empty cell.

    Accepted: thousands with commas (`1,314`, `5,256.5`), a decimal comma (`95,5`), a
    trailing or leading `%`, a leading `$`, stray and non-breaking spaces. A comma followed by
    exactly three digits is a thousands separator (the es_MX and en convention); any other
    single comma is a decimal comma. Negatives are read (the caller decides whether they are
    allowed) so that the message can say "negativo" rather than "no es un número".
    """
    raw = _SPACES.sub("", _ZERO_WIDTH.sub("", text or ""))
    if not raw:
        return None
    if raw.lower() in _NOT_A_VALUE:
        return Rejected(
            f"«{shown(text)}» no es un valor; si aún no hay dato deje la celda vacía "
            "y explíquelo en la justificación"
        )
    if raw.startswith("="):
        return Rejected(f"«{shown(text)}» es una fórmula sin calcular; escriba el resultado")
    if _DATE.match(raw) and not _PLAIN.match(raw):
        return Rejected(
            f"«{shown(text)}» parece una fecha (la hoja pudo convertir el número); "
            "escriba la cifra con formato de número"
        )
    percent = False
    if raw.endswith("%") or raw.startswith("%"):
        percent, raw = True, raw.strip("%")
    sign = 1.0
    if raw and raw[0] in "+-−":
        sign, raw = (-1.0 if raw[0] != "+" else 1.0), raw[1:]
    raw = raw.removeprefix("$")
    number = _digits(raw)
    if number is None or not math.isfinite(number):
        return Rejected(f"«{shown(text)}» no es un número")
    return Number(sign * number, percent=percent)


def _digits(raw: str) -> float | None:
    if _PLAIN.match(raw):
        return float(raw)
    if _THOUSANDS_COMMA.match(raw):
        return float(raw.replace(",", ""))
    if _THOUSANDS_DOT.match(raw) and (raw.count(".") > 1 or "," in raw):
        return float(raw.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.match(raw):
        return float(raw.replace(",", "."))
    return None


def shown(text: str, limit: int = SHOWN_LIMIT) -> str:
    """Typed text as a message can echo it: invisible and control characters named
    (`95⟨U+200B⟩`), outer spaces dropped, and anything past `limit` characters cut with its
    length said, so a message never hides what is in a cell nor repeats a whole page."""
    text = (text or "").strip()
    visible = "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in {"Cf", "Cc", "Zl", "Zp"} else c
        for c in text[: limit + 1]
    )
    if len(text) > limit:
        return f"{visible[:limit]}… ({len(text):,} caracteres)"
    return visible


def plain(number: float) -> str:
    """A number written plainly, as a person would: `0.0000001`, `1314.67`, `12`, never
    `1e-07` or `12.0`."""
    if not math.isfinite(number):
        return str(number)
    if float(number).is_integer():
        return str(int(number))
    return format(Decimal(repr(float(number))).normalize(), "f")
