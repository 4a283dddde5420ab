"""What a person reads: a status as text (Spanish by default) or JSON. Pure functions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from scoring import MONTH_KEYS, Colour, Gap, Period, Result

EMOJI = {
    Colour.GREEN: "🟢",
    Colour.YELLOW: "🟡",
    Colour.RED: "🔴",
    Colour.EXCEEDED: "🔵",
    Colour.PENDING: "⏳",
    Colour.MISSING: "❗",
    Colour.NONE: "⚪",
}

_WORDS = {
    "es": {
        Colour.GREEN: "verde", Colour.YELLOW: "amarillo", Colour.RED: "rojo",
        Colour.EXCEEDED: "excedido", Colour.PENDING: "pendiente", Colour.MISSING: "falta",
        Colour.NONE: "sin metas en el periodo",
        "period": "Periodo", "as_of": "al", "pulls_down": "Lo que baja la calificación",
        "pending_list": "Pendiente de captura (aún en plazo)",
        "missing_list": "Falta captura (plazo vencido)",
        "deadline": "plazo", "office": "oficina", "institution": "Institución",
        "months": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                   "septiembre", "octubre", "noviembre", "diciembre"),
        "achieved": "logrado", "programmed": "programado", "more": "y {n} más",
        "fully_met": "cumplido (0 frente a un máximo)",
    },
    "en": {
        Colour.GREEN: "green", Colour.YELLOW: "yellow", Colour.RED: "red",
        Colour.EXCEEDED: "exceeded", Colour.PENDING: "pending", Colour.MISSING: "missing",
        Colour.NONE: "nothing due in the period",
        "period": "Period", "as_of": "as of", "pulls_down": "Pulling the score down",
        "pending_list": "Awaiting capture (deadline not passed)",
        "missing_list": "Missing capture (deadline passed)", "deadline": "deadline",
        "office": "office", "institution": "Institution",
        "months": ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"),
        "achieved": "achieved", "programmed": "programmed", "more": "and {n} more",
        "fully_met": "fully met (0 against a maximum)",
    },
}  # fmt: skip

LOW = (Colour.RED, Colour.YELLOW, Colour.MISSING)


def words(locale: str) -> dict[Any, Any]:
    """The vocabulary of a locale (Spanish when unknown)."""
    return _WORDS.get(locale, _WORDS["es"])


def score_text(node: Result) -> str:
    """One decimal, or the state when there is no number."""
    if node.score is None:
        return "—"
    if math.isinf(node.score):
        return "∞"
    return f"{node.score:.1f}%"


def figure(value: float) -> str:
    """`32,822` for a whole number, `95.5` otherwise (one decimal, as compliance is shown)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def badge(node: Result, locale: str = "es") -> str:
    """Emoji, score and colour word: `🟡 71.9% amarillo`."""
    w = words(locale)
    if node.score is None:
        return f"{EMOJI[node.colour]} {w[node.colour]}"
    return f"{EMOJI[node.colour]} {score_text(node)} {w[node.colour]}"


def label(node: Result, locale: str = "es") -> str:
    """Code and name of a node; the institution has no code."""
    name = node.name if node.code else f"{node.name}"
    code = f"{node.code}{'·' + node.office if node.office else ''}"
    return f"{code} {name}".strip() if code else name


def tree_text(node: Result, *, depth: int, locale: str = "es") -> list[str]:
    """The node and its descendants down to `depth` levels, one line each, drawn as a tree."""
    lines = [f"{badge(node, locale)}  {label(node, locale)}"]
    lines.extend(_branches(node.children, depth, "", locale))
    return lines


def _branches(children: list[Result], depth: int, prefix: str, locale: str) -> list[str]:
    if depth <= 0:
        return []
    lines: list[str] = []
    if len(children) > 3 and all(c.colour is Colour.NONE and c.level == "office" for c in children):
        # e.g. 32 offices whose targets the planning area has not set yet: one line, not 32
        return [f"{prefix}└─ {EMOJI[Colour.NONE]} {len(children)} × {words(locale)[Colour.NONE]}"]
    for i, child in enumerate(children):
        last = i == len(children) - 1
        lines.append(
            f"{prefix}{'└─' if last else '├─'} {badge(child, locale)}  {label(child, locale)}"
        )
        lines.extend(
            _branches(child.children, depth - 1, prefix + ("   " if last else "│  "), locale)
        )
    return lines


def period_text(period: Period, locale: str = "es") -> str:
    """`marzo 2019`; `2019-T1 (enero–marzo)`; `enero–abril 2019` for year to date; `2019`."""
    months = words(locale)["months"]
    if period.is_single_month:
        return f"{months[period.first - 1]} {period.year}"
    if period.first == 1 and period.last == 12:
        return str(period.year)
    span = f"{months[period.first - 1]}–{months[period.last - 1]}"
    if "-T" in period.label:
        return f"{period.label} ({span})"
    return f"{span} {period.year}"


def gap_text(gap: Gap, locale: str = "es") -> str:
    """`2.3.1 (marzo, plazo 2019-04-05)`."""
    w = words(locale)
    where = f" {w['office']} {gap.office}" if gap.office else ""
    month = w["months"][gap.month - 1]
    return f"{gap.indicator}{where} ({month}, {w['deadline']} {gap.deadline:%Y-%m-%d})"


def status_text(
    node: Result,
    *,
    period: Period,
    as_of: dt.date,
    locale: str = "es",
    depth: int = 1,
    list_limit: int = 15,
) -> str:
    """The full answer to `status`: the tree, what pulls it down, what is pending or missing."""
    w = words(locale)
    lines = [f"{w['period']} {period_text(period, locale)} · {w['as_of']} {as_of:%Y-%m-%d}"]
    lines.extend(tree_text(node, depth=depth, locale=locale))
    if node.level == "indicator" and node.achieved is not None and node.programmed is not None:
        unit = "%" if node.measure == "percent" else ""
        lines.append(
            f"{w['achieved']}: {figure(node.achieved)}{unit} · "
            f"{w['programmed']}: {figure(node.programmed)}{unit}"
        )
    low = sorted(
        (c for c in node.children if c.colour in LOW),
        key=lambda c: c.score if c.score is not None else -1.0,
    )
    if low and node.level != "indicator":
        lines.append(f"\n{w['pulls_down']}:")
        lines.extend(f"  {badge(c, locale)}  {label(c, locale)}" for c in low[:list_limit])
    for key, gaps in (("missing_list", node.missing), ("pending_list", node.pending)):
        if gaps:
            lines.append(f"\n{w[key]} ({len(gaps)}):")
            lines.extend(f"  {gap_text(g, locale)}" for g in gaps[:list_limit])
            if len(gaps) > list_limit:
                lines.append("  " + w["more"].format(n=len(gaps) - list_limit))
    return "\n".join(lines)


def status_json(node: Result, *, period: Period, as_of: dt.date) -> dict[str, Any]:
    """The JSON shape of a status: code, name, period, score, colour, children, and the gaps."""
    out = _node_json(node)
    out["period"] = period.label
    out["as_of"] = as_of.isoformat()
    return out


def _node_json(node: Result) -> dict[str, Any]:
    score = None if node.score is None or math.isinf(node.score) else node.score
    out: dict[str, Any] = {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "score": score,
        "display": score_text(node),
        "colour": node.colour.value,
    }
    if node.office:
        out["office"] = node.office
    if node.level == "indicator":
        out["achieved"] = node.achieved
        out["programmed"] = node.programmed
        out["due_months"] = [MONTH_KEYS[m - 1] for m in node.due_months]
    out["pending"] = [_gap_json(g) for g in node.pending]
    out["missing"] = [_gap_json(g) for g in node.missing]
    out["children"] = [_node_json(c) for c in node.children]
    return out


def _gap_json(gap: Gap) -> dict[str, str]:
    return {
        "indicator": gap.indicator,
        "office": gap.office,
        "month": MONTH_KEYS[gap.month - 1],
        "deadline": gap.deadline.isoformat(),
    }
