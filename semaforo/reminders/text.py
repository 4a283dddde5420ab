"""The words of each reminder (pure). Spanish by default; English available."""

from __future__ import annotations

import datetime as dt

from semaforo.formatting import figure, words
from semaforo.reminders.plan import Item, Kind, Reminder, UnitCount

_HEAD = {
    "es": {
        Kind.DUE_SOON: "⏰ Recordatorio: en {mes} le falta capturar {n} indicador(es). "
        "El plazo vence el {plazo}.",
        Kind.LAST_DAY: "⏰ Hoy es el último día hábil de {mes} y aún falta capturar {n} "
        "indicador(es). El plazo vence el {plazo}.",
        Kind.OVERDUE: "❗ Venció el plazo de captura de {mes} ({plazo}) y falta capturar {n} "
        "indicador(es). Capture cuanto antes: cuentan como 0 en la calificación.",
        Kind.DIRECTOR_DIGEST: "❗ Resumen de {mes}: unidades a su cargo con capturas "
        "vencidas (plazo {plazo}).",
        Kind.WEEKLY: "📋 Avance de captura al {hoy}: capturados / programados / faltantes "
        "por unidad.",
    },
    "en": {
        Kind.DUE_SOON: "⏰ Reminder: {n} indicator(s) of yours for {mes} are still empty. "
        "The deadline is {plazo}.",
        Kind.LAST_DAY: "⏰ Today is the last business day of {mes} and {n} indicator(s) are "
        "still empty. The deadline is {plazo}.",
        Kind.OVERDUE: "❗ The capture deadline for {mes} ({plazo}) has passed and {n} "
        "indicator(s) are still empty. They count as 0 in the score.",
        Kind.DIRECTOR_DIGEST: "❗ {mes} digest: units of yours with overdue captures "
        "(deadline {plazo}).",
        Kind.WEEKLY: "📋 Capture progress as of {hoy}: captured / due / missing per unit.",
    },
}
_WORDS = {
    "es": {"target": "meta", "open": "abrir", "unreachable": "Sin contacto por Telegram "
           "(bloquearon el bot, nunca lo abrieron o no se han registrado)", "missing": "faltan"},
    "en": {"target": "target", "open": "open", "unreachable": "Not reachable on Telegram "
           "(blocked the bot, never opened it or never registered)", "missing": "missing"},
}  # fmt: skip


def reminder_text(
    reminder: Reminder,
    *,
    year: int,
    today: dt.date,
    locale: str = "es",
) -> str:
    """The message one owner receives; a digest ends with the people it cannot reach."""
    lang = locale if locale in _HEAD else "es"
    month = f"{words(lang)['months'][reminder.month - 1]} {year}"
    deadline = min((i.deadline for i in reminder.items), default=reminder.deadline)
    head = _HEAD[lang][reminder.kind].format(
        mes=month, n=len(reminder.items), plazo=f"{deadline:%Y-%m-%d}" if deadline else "—",
        hoy=f"{today:%Y-%m-%d}",
    )  # fmt: skip
    lines = [head, ""]
    lines += [_item_line(i, lang) for i in reminder.items]
    lines += [_unit_line(u, lang) for u in reminder.units]
    if reminder.unreachable:
        lines += ["", f"{_WORDS[lang]['unreachable']}: {', '.join(reminder.unreachable)}"]
    return "\n".join(lines).strip()


def _item_line(item: Item, lang: str) -> str:
    unit = "%" if item.measure in ("percent", "%") else ""
    target = f" — {_WORDS[lang]['target']} {figure(item.target)}{unit}" if item.target else ""
    link = f"\n   {_WORDS[lang]['open']}: {item.link}" if item.link else ""
    return f"• {item.label} {_short(item.name)}{target}{link}"


def _unit_line(unit: UnitCount, lang: str) -> str:
    mark = "❗" if unit.missing else "✅"
    missing = f" ({_WORDS[lang]['missing']} {unit.missing})" if unit.missing else ""
    return f"{mark} {unit.code} {_short(unit.name, 50)}: {unit.captured} / {unit.due}{missing}"


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
