"""What a person reads: a status as text (Spanish by default) or JSON. Pure functions."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from scoring import MONTH_KEYS, Colour, Coverage, Gap, MonthPlan, Period, Result
from semaforo.targets import TargetChange

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
        "counts": "parcial: cuentan {span}", "none_closed": "aún sin meses cerrados",
        "in_capture": "{month} en captura hasta el {date}",
        "so_far": "capturado hasta ahora, aún sin cerrar",
        "known_at": "con lo capturado hasta el",
        "modified": "Meta modificada", "approved": "aprobada", "in_force": "vigente",
        "weight": "pond.", "not_due": "sin meta (no se mide)", "reason": "motivo",
        "sheet": "hoja «Catálogo»", "command": "comando",
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
        "counts": "partial: {span} count", "none_closed": "no month closed yet",
        "in_capture": "{month} in capture until {date}",
        "so_far": "captured so far, not closed yet",
        "known_at": "as captured by",
        "modified": "Modified target", "approved": "approved", "in_force": "in force",
        "weight": "weight", "not_due": "no target (not measured)", "reason": "reason",
        "sheet": "«Catálogo» sheet", "command": "command",
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


def period_text(period: Period, locale: str = "es", coverage: Coverage | None = None) -> str:
    """`marzo 2019`; `2019-T1 (enero–marzo)`; `enero–abril 2019` for year to date; `2019`.

    With the period's coverage (rule 4), a partial period says which months count and which is
    in capture: `2019 — parcial: cuentan enero–marzo; abril en captura hasta el 8 de mayo`."""
    w = words(locale)
    months = w["months"]
    if period.is_single_month:
        text = f"{months[period.first - 1]} {period.year}"
    elif period.first == 1 and period.last == 12:
        text = str(period.year)
    elif "-T" in period.label:
        text = f"{period.label} ({months[period.first - 1]}–{months[period.last - 1]})"
    else:
        text = f"{months[period.first - 1]}–{months[period.last - 1]} {period.year}"
    if coverage is None:
        return text
    notes = []
    if coverage.partial:
        closed = coverage.closed
        if closed:
            span = months[closed[0] - 1] if len(closed) == 1 else (
                f"{months[closed[0] - 1]}–{months[closed[-1] - 1]}"
            )  # fmt: skip
            notes.append(w["counts"].format(span=span))
        else:
            notes.append(w["none_closed"])
    if coverage.open_month is not None and coverage.open_deadline is not None:
        notes.append(w["in_capture"].format(
            month=months[coverage.open_month - 1], date=long_date(coverage.open_deadline, locale)
        ))  # fmt: skip
    if not notes:
        return text
    return f"{text} — {'; '.join(notes)}"


def long_date(day: dt.date, locale: str = "es") -> str:
    """`8 de mayo de 2019`; `8 May 2019`."""
    month = words(locale)["months"][day.month - 1]
    return (
        f"{day.day} de {month} de {day.year}" if locale != "en" else f"{day.day} {month} {day.year}"
    )


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
    coverage: Coverage | None = None,
    known_at: dt.datetime | None = None,
    modifications: Sequence[TargetChange] = (),
) -> str:
    """The full answer to `status`: the tree, what pulls it down, what is pending or missing,
    and an indicator's modified targets (approved, in force, why)."""
    w = words(locale)
    shown = period_text(period, locale, coverage)
    known = f" · {w['known_at']} {known_at:%Y-%m-%d %H:%M}" if known_at else ""
    lines = [f"{w['period']} {shown} · {w['as_of']} {as_of:%Y-%m-%d}{known}"]
    lines.extend(tree_text(node, depth=depth, locale=locale))
    if node.level == "indicator" and node.achieved is not None and node.programmed is not None:
        unit = "%" if node.measure == "percent" else ""
        so_far = f" ({w['so_far']})" if node.score is None else ""
        lines.append(
            f"{w['achieved']}: {figure(node.achieved)}{unit} · "
            f"{w['programmed']}: {figure(node.programmed)}{unit}{so_far}"
        )
    if modifications:
        unit = "%" if node.measure == "percent" else ""
        lines.append(f"{w['modified']}:")
        lines.extend(f"  {modification_text(c, locale, unit)}" for c in modifications)
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


def modification_text(change: TargetChange, locale: str = "es", unit: str = "") -> str:
    """`marzo: aprobada 100% (pond. 15) → vigente 90% (pond. 10); motivo: «…» (comando,
    2019-03-10)`."""
    w = words(locale)

    def plan(p: MonthPlan | None) -> str:
        if p is None:
            return str(w["not_due"])
        return f"{figure(p.target)}{unit} ({w['weight']} {figure(p.weight)})"

    where = f" {w['office']} {change.office}" if change.office else ""
    source = w["sheet"] if change.from_sheet else w["command"]
    return (
        f"{w['months'][change.month - 1]}{where}: {w['approved']} {plan(change.approved)} → "
        f"{w['in_force']} {plan(change.after)}; {w['reason']}: «{change.reason}» ({source}, "
        f"{change.changed_at:%Y-%m-%d})"
    )


def modification_json(change: TargetChange) -> dict[str, Any]:
    """A modification in force as JSON: approved and in force (null: not due), why, when."""

    def plan(p: MonthPlan | None) -> dict[str, float] | None:
        return None if p is None else {"target": p.target, "weight": p.weight}

    return {
        "month": MONTH_KEYS[change.month - 1], "office": change.office,
        "approved": plan(change.approved), "in_force": plan(change.after),
        "reason": change.reason, "source": change.source,
        "changed_at": change.changed_at.isoformat(),
    }  # fmt: skip


def status_json(
    node: Result,
    *,
    period: Period,
    as_of: dt.date,
    coverage: Coverage | None = None,
    known_at: dt.datetime | None = None,
    modifications: Sequence[TargetChange] = (),
) -> dict[str, Any]:
    """The JSON shape of a status: code, name, period, score, colour, children, and the gaps;
    with the coverage, the months that count (`closed_months`), `partial`, and the month in
    capture with its deadline."""
    out = _node_json(node)
    out["period"] = period.label
    out["as_of"] = as_of.isoformat()
    out["known_at"] = known_at.isoformat() if known_at else None
    if node.level == "indicator":
        out["modified_targets"] = [modification_json(c) for c in modifications]
    if coverage is not None:
        out["closed_months"] = [MONTH_KEYS[m - 1] for m in coverage.closed]
        out["partial"] = coverage.partial
        out["in_capture"] = None if coverage.open_month is None else {
            "month": MONTH_KEYS[coverage.open_month - 1],
            "deadline": coverage.open_deadline.isoformat() if coverage.open_deadline else None,
        }  # fmt: skip
    return out


def _node_json(node: Result) -> dict[str, Any]:
    unbounded = node.score is not None and math.isinf(node.score)
    out: dict[str, Any] = {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        # JSON has no infinity: a descending indicator's achieved 0 is `"score": null` with
        # `"unbounded": true` (shown as ∞, exceeded; it counts as the cap in an area's score)
        "score": None if unbounded else node.score,
        "unbounded": unbounded,
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
