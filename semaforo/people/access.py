"""Who may see what (pure): planning sees everything, others their units and everything below."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scoring import Catalogue

ROLES = ("capture", "director", "planning")


def visible_units(
    catalogue: Catalogue, *, role: str, units: Iterable[str]
) -> frozenset[str] | None:
    """The unit codes a person may see; None means all (the planning role)."""
    if role == "planning":
        return None
    children: dict[str, list[str]] = {}
    for unit in catalogue.units:
        if unit.parent is not None:
            children.setdefault(unit.parent, []).append(unit.code)
    seen: set[str] = set()
    stack = [u for u in units if catalogue.unit(u) is not None]
    while stack:
        code = stack.pop()
        if code not in seen:
            seen.add(code)
            stack.extend(children.get(code, ()))
    return frozenset(seen)


def may_see(catalogue: Catalogue, code: str, *, visible: frozenset[str] | None) -> bool:
    """Whether a unit or indicator code is within what a person may see."""
    if visible is None:
        return True
    if code in visible:
        return True
    indicator = catalogue.indicator(code)
    if indicator is None:
        return False
    if indicator.office_indicator:
        return any(u.code in visible for u in catalogue.offices())
    return indicator.unit in visible


ROLE_WORDS = {"capture": "captura", "director": "director", "planning": "planeación"}
"""How each role is written in the workbook (Spanish)."""

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TELEGRAM_USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{4,31}$")
