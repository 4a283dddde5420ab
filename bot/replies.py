"""What the bot says: pure functions from answers to text and buttons (no I/O, no Telegram calls).

Buttons are plain `(label, data)` pairs; `bot.handlers` turns them into Telegram's keyboard.
Callback data is `s|CODE|PERIOD|PAGE` (at most 64 bytes, Telegram's limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring import Colour, Result
from semaforo.answers import PendingAnswer, Ranking
from semaforo.formatting import EMOJI, badge, gap_text, label, period_text, status_text
from semaforo.service import StatusAnswer

LIMIT = 4096
"""Telegram's longest message, in characters."""
PAGE = 12
"""Children buttons per page of a drill-down keyboard."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A message: its text and its rows of inline buttons `(label, callback data)`."""

    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = field(default=())


_TEXT = {
    "es": {
        "unregistered": (
            "Hola. Este bot informa del avance del Programa Anual de Trabajo solo a las personas "
            "registradas.\n\nPara registrarse, pida a la Dirección de Planeación un código de "
            "invitación y envíe aquí /start CÓDIGO."
        ),
        "welcome": "Hola, {name}. Quedó registrado como {role}{units}.\n\nEscriba /ayuda para "
        "ver qué puede preguntar.",
        "bad_code": "Ese código de invitación no es válido, ya se usó o venció. Pida uno nuevo "
        "a la Dirección de Planeación.",
        "apology": "Lo siento, algo falló al preparar la respuesta. Ya quedó registrado; intente "
        "de nuevo en unos minutos.",
        "no_pending": "Nada pendiente de captura en {scope} ({period}, al {as_of}). 👏",
        "pending_head": "Pendientes de captura en {scope} — {period} (al {as_of}):",
        "nobody": "Sin responsable asignado",
        "ranking_head": "Semáforo de sus unidades — {period} (al {as_of}):",
        "nothing": "No tiene unidades asignadas todavía. Pida a Planeación que se las asigne.",
        "up": "⬆ subir a {code}",
        "institution": "Institución",
        "chart_needs_code": "Indique qué graficar, por ejemplo: /grafica 2.3.1",
        "report_needs_period": "Indique el periodo del informe, por ejemplo: /reporte T1",
        "report_role": "El informe trimestral es para Planeación y para los directores de sus "
        "unidades; pídalo a su director(a).",
        "report_caption": "Informe {period} — {scope}",
        "roles": {"capture": "captura", "director": "director(a)", "planning": "planeación"},
        "of_units": " de {units}",
        "more_pages": "más ▶",
        "less_pages": "◀ anteriores",
        "too_many_args": "Demasiados datos. Uso: {usage}",
        "not_a_command": "No entendí. Escriba /ayuda para ver qué puede preguntar.",
        "private_only": "Por seguridad, este bot responde solo en un chat privado: {link}",
        "private_only_alert": "Este bot responde solo en un chat privado.",
        "stale_button": "Este botón ya no vale. Pida de nuevo /status.",
        "other_person": "Esta cuenta de Telegram ya está registrada como {name}; el código es de "
        "otra persona y no se usó. Si hay un error, avise a la Dirección de Planeación.",
        "bound_elsewhere": "Ese código es de una persona que ya tiene registrada otra cuenta de "
        "Telegram, y no se usó. Si cambió de cuenta, pida a la Dirección de Planeación un código "
        "de reemplazo.",
        "throttled": "Demasiados intentos con códigos que no valen. Podrá intentarlo de nuevo "
        "después de las {time} del {date}.",
        "replaced": "Su registro como {name} pasó a otra cuenta de Telegram con un código de "
        "reemplazo, y esta cuenta ya no recibe información. Si usted no lo pidió, avise de "
        "inmediato a la Dirección de Planeación.",
    },
    "en": {
        "unregistered": (
            "Hello. This bot reports the annual work programme's progress to registered people "
            "only.\n\nTo register, ask the planning area for an invitation code and send "
            "/start CODE here."
        ),
        "welcome": "Hello, {name}. You are registered as {role}{units}.\n\nSend /ayuda to see "
        "what you can ask.",
        "bad_code": "That invitation code is not valid, was used or expired. Ask the planning "
        "area for a new one.",
        "apology": "Sorry, something went wrong preparing the answer. It has been logged; "
        "please try again in a few minutes.",
        "no_pending": "Nothing awaiting capture in {scope} ({period}, as of {as_of}). 👏",
        "pending_head": "Awaiting capture in {scope} — {period} (as of {as_of}):",
        "nobody": "No owner assigned",
        "ranking_head": "Traffic lights of your units — {period} (as of {as_of}):",
        "nothing": "You have no units assigned yet. Ask the planning area to assign them.",
        "up": "⬆ up to {code}",
        "institution": "Institution",
        "chart_needs_code": "Say what to chart, for example: /grafica 2.3.1",
        "report_needs_period": "Say the report's period, for example: /reporte T1",
        "report_role": "The quarterly report is for the planning area and for directors of "
        "their units; ask your director.",
        "report_caption": "Report {period} — {scope}",
        "roles": {"capture": "capture", "director": "director", "planning": "planning"},
        "of_units": " of {units}",
        "more_pages": "more ▶",
        "less_pages": "◀ previous",
        "too_many_args": "Too many words. Usage: {usage}",
        "not_a_command": "I did not understand. Send /ayuda to see what you can ask.",
        "private_only": "For safety, this bot answers only in a private chat: {link}",
        "private_only_alert": "This bot answers only in a private chat.",
        "stale_button": "This button is no longer valid. Send /status again.",
        "other_person": "This Telegram account is already registered as {name}; the code is "
        "someone else's and was not used. If this is a mistake, tell the planning area.",
        "bound_elsewhere": "That code belongs to a person who already registered another Telegram "
        "account, and it was not used. If you changed accounts, ask the planning area for a "
        "replacement code.",
        "throttled": "Too many attempts with codes that are not valid. You may try again after "
        "{time} on {date}.",
        "replaced": "Your registration as {name} moved to another Telegram account with a "
        "replacement code, and this account no longer receives information. If you did not ask "
        "for it, tell the planning area at once.",
    },
}


def text(key: str, locale: str = "es", **values: object) -> str:
    """A fixed sentence of the bot in the locale, with its blanks filled."""
    table = _TEXT.get(locale, _TEXT["es"])
    return str(table[key]).format(**values)


def welcome(name: str, role: str, units: tuple[str, ...], locale: str = "es") -> str:
    """The greeting after `/start` registers someone (or recognises them)."""
    table = _TEXT.get(locale, _TEXT["es"])
    role_word = table["roles"].get(role, role)  # type: ignore[attr-defined]
    where = text("of_units", locale, units=", ".join(units)) if units else ""
    return text("welcome", locale, name=name, role=role_word, units=where)


def status_reply(
    answer: StatusAnswer, *, parent: str | None, page: int = 0, locale: str = "es"
) -> Reply:
    """The status text with buttons to each child (paged) and one to go up."""
    body = status_text(
        answer.node, period=answer.period, as_of=answer.as_of, locale=locale,
        coverage=answer.coverage, modifications=answer.modifications,
    )  # fmt: skip
    period = answer.period.label
    children = [
        c for c in answer.node.children if c.code and not (c.office and c.level == "indicator")
    ]
    pages = max(1, -(-len(children) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = children[page * PAGE : (page + 1) * PAGE]
    rows = [
        tuple((f"{EMOJI[c.colour]} {c.code}", _data(c.code, period)) for c in shown[i : i + 3])
        for i in range(0, len(shown), 3)
    ]
    nav: list[tuple[str, str]] = []
    if page > 0:
        nav.append((text("less_pages", locale), _data(answer.node.code, period, page - 1)))
    if page < pages - 1:
        nav.append((text("more_pages", locale), _data(answer.node.code, period, page + 1)))
    if parent is not None:
        up = parent or text("institution", locale)
        nav.append((text("up", locale, code=up), _data(parent, period)))
    if nav:
        rows.append(tuple(nav))
    return Reply(_fit(body), tuple(rows))


def parse_data(data: str) -> tuple[str, str, int] | None:
    """`s|2.3|2019-T1|0` → ("2.3", "2019-T1", 0); None for anything else."""
    parts = data.split("|")
    if len(parts) != 4 or parts[0] != "s" or not parts[3].isdigit():
        return None
    return parts[1], parts[2], int(parts[3])


def pending_text(answer: PendingAnswer, locale: str = "es") -> str:
    """Due-and-empty captures per owner, each with its deadline."""
    scope = ", ".join(c or text("institution", locale) for c in answer.scope)
    values = {"scope": scope, "period": period_text(answer.period, locale), "as_of": answer.as_of}
    if not answer.groups:
        return text("no_pending", locale, **values)
    lines = [text("pending_head", locale, **values)]
    for group in answer.groups:
        lines.append(f"\n👤 {group.owner or text('nobody', locale)} ({len(group.gaps)}):")
        lines.extend(
            f"  {EMOJI[Colour.MISSING if gap in answer.overdue else Colour.PENDING]} "
            f"{gap_text(gap, locale)}"
            for gap in group.gaps
        )
    return "\n".join(lines)


def ranking_text(ranking: Ranking, locale: str = "es") -> str:
    """Every unit the person may see, numbered, best first."""
    if not ranking.units:
        return text("nothing", locale)
    head = text(
        "ranking_head", locale, period=period_text(ranking.period, locale, ranking.coverage),
        as_of=ranking.as_of,
    )  # fmt: skip
    lines = [head]
    lines.extend(
        f"{i}. {badge(node, locale)}  {label(node, locale)}"
        for i, node in enumerate(ranking.units, start=1)
    )
    return "\n".join(lines)


def chart_caption(node: Result, year: int, locale: str = "es") -> str:
    """The photo's caption: badge, code and name, and the year."""
    return _fit(f"{badge(node, locale)}  {label(node, locale)} · {year}", limit=1024)


def units(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units (an emoji such as 🟢 is two)."""
    return len(text.encode("utf-16-le")) // 2


def split(message: str, limit: int = LIMIT) -> list[str]:
    """Cut a long text into messages Telegram accepts, at line breaks where possible."""
    parts: list[str] = []
    current = ""
    for line in message.split("\n"):
        while units(line) > limit:  # a single line longer than a message: cut it hard
            if current:
                parts.append(current)
                current = ""
            head = _head(line, limit)
            parts.append(head)
            line = line[len(head) :]
        candidate = f"{current}\n{line}" if current else line
        if units(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def _head(line: str, limit: int) -> str:
    """The longest start of `line` within `limit` units, never cutting a character in two."""
    head, size = [], 0
    for char in line:
        size += units(char)
        if size > limit:
            break
        head.append(char)
    return "".join(head)


def _fit(message: str, limit: int = LIMIT) -> str:
    """One message's worth: the text, or its first part with a mark that it goes on."""
    if units(message) <= limit:
        return message
    return split(message, limit - 2)[0] + "\n…"


def _data(code: str, period: str, page: int = 0) -> str:
    return f"s|{code}|{period}|{page}"[:64]
