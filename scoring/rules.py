"""DOMAIN rules 1 and 2: the compliance (cumplimiento) of one figure, and its colour."""

from __future__ import annotations

import math

from scoring.model import Colour, Direction, Kind, Thresholds


def achieved_figure(
    kind: Kind, *, numerator: float | None, denominator: float | None, value: float | None
) -> float | None:
    """The achieved figure to compare with the target: a percent for a ratio, else the value."""
    if kind is Kind.RATIO:
        if numerator is None or denominator is None or denominator <= 0:
            return None
        return 100.0 * numerator / denominator
    return value


def compliance(*, achieved: float, programmed: float, direction: Direction) -> float | None:
    """Rule 1: achieved against programmed, in percent, unrounded.

    Descending (lower is better) inverts the ratio; an achieved 0 there is fully met and comes
    back as infinity, which colours as exceeded. A programmed 0 has no defined compliance.
    """
    if achieved < 0 or programmed <= 0:
        return None
    if direction is Direction.DESCENDING:
        return math.inf if achieved == 0 else 100.0 * programmed / achieved
    return 100.0 * achieved / programmed


def colour_of(value: float, thresholds: Thresholds) -> Colour:
    """Rule 2: the band an (unrounded) compliance falls in; bands are half-open."""
    if value >= thresholds.exceeded:
        return Colour.EXCEEDED
    if value >= thresholds.green:
        return Colour.GREEN
    if value >= thresholds.yellow:
        return Colour.YELLOW
    return Colour.RED


def capped(value: float, cap: float) -> float:
    """Rule 3's cap, so one over-achiever cannot hide another's shortfall."""
    return min(value, cap)
