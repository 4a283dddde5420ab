"""Unit and indicator codes as people type them, and the nearest existing ones when mistyped."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence


def normalise_code(text: str) -> str:
    """`2.3.` and ` 2.3 ` are 2.3; office codes are upper case (`or-09` is OR-09)."""
    return text.strip().rstrip(".").upper()


def nearest_codes(code: str, known: Sequence[str], limit: int = 3) -> list[str]:
    """Existing codes close to a mistyped one, most alike first."""
    wanted = normalise_code(code)
    close = difflib.get_close_matches(wanted, list(known), n=limit * 3, cutoff=0.5)
    # siblings first: 2.4.9 was more likely meant as 2.4.4 than as 6.4.9
    parent = wanted.rsplit(".", 1)[0]
    siblings = [
        k for k in known if k.startswith(parent + ".") and k.count(".") == wanted.count(".")
    ]
    ranked = [k for k in close if k in siblings] + [k for k in close if k not in siblings]
    return (ranked or siblings)[:limit]


def fold(text: str) -> str:
    """Text compared without case, accents or extra spaces: «Código» matches «codigo»."""
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
