"""The bot's handlers. Each one is thin: read the arguments, ask `semaforo.answers` (in a worker
thread, so the event loop keeps serving others), format with `bot.replies`, reply.

Domain errors are not caught here: `on_error` puts them into the person's words, once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import replies
from bot.arguments import at_most_one, code_and_period
from scoring import PeriodError
from semaforo import answers, chart, service
from semaforo.answers import Viewer
from semaforo.errors import SemaforoError
from semaforo.people import owners

log = logging.getLogger("semaforo.bot")


@dataclass(frozen=True, slots=True)
class BotContext:
    """What every handler needs, built once at start and kept in `application.bot_data`."""

    engine: Engine
    programme_id: str
    locale: str = "es"
    today: Callable[[], dt.date | None] = lambda: None
    """The date answers are "as of"; None means today in the programme's time zone."""


def ctx(context: ContextTypes.DEFAULT_TYPE) -> BotContext:
    """The service context stored at build time."""
    found = context.bot_data["semaforo"]
    assert isinstance(found, BotContext)
    return found


async def answers_viewer(bc: BotContext, telegram_id: int) -> Viewer | None:
    """The registered person behind a Telegram account (in a worker thread)."""
    return await asyncio.to_thread(answers.viewer, bc.engine, bc.programme_id, telegram_id)


async def _viewer(update: Update, bc: BotContext) -> Viewer | None:
    """The registered person, or None after telling an unregistered one how to register."""
    user = update.effective_user
    person = None
    if user is not None:
        person = await answers_viewer(bc, user.id)
    if person is None and update.effective_message is not None:
        await update.effective_message.reply_text(replies.text("unregistered", bc.locale))
    return person


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start [CODE]`: register with an invitation code, or by the Telegram id or @username."""
    bc, user, message = ctx(context), update.effective_user, update.effective_message
    if user is None or message is None:
        return
    code = at_most_one(context.args or [], "start")
    if code:
        person = await asyncio.to_thread(
            owners.redeem, bc.engine, bc.programme_id, code,
            telegram_id=user.id, username=user.username,
        )  # fmt: skip
        if person is None:
            await message.reply_text(replies.text("bad_code", bc.locale))
            return
    else:
        person = await asyncio.to_thread(
            owners.register, bc.engine, bc.programme_id,
            telegram_id=user.id, username=user.username,
        )  # fmt: skip
    if person is None:
        await message.reply_text(replies.text("unregistered", bc.locale))
        return
    log.info("registered owner %s with Telegram id %s", person.id, user.id)
    await message.reply_text(replies.welcome(person.name, person.role, person.units, bc.locale))


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/status [CODE] [PERIOD]`: the standing, with buttons to drill down and back up."""
    bc, message = ctx(context), update.effective_message
    person = await _viewer(update, bc)
    if person is None or message is None:
        return
    code, period = code_and_period(context.args or [], "status")
    found = await asyncio.to_thread(
        answers.status_for, bc.engine, bc.programme_id, person,
        code=code, period=period, as_of=bc.today(),
    )  # fmt: skip
    for answer in found:
        reply = replies.status_reply(
            answer, parent=_parent(answer, person, answer.node.code), locale=bc.locale
        )
        await message.reply_text(reply.text, reply_markup=_keyboard(reply))


async def drill(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A status button: the same answer for another code or page, in the same message."""
    bc, query = ctx(context), update.callback_query
    if query is None:
        return
    parsed = replies.parse_data(query.data or "")
    person = await answers_viewer(bc, query.from_user.id)
    if parsed is None or person is None:
        await query.answer(replies.text("unregistered", bc.locale)[:200], show_alert=True)
        return
    code, period, page = parsed
    found = await asyncio.to_thread(
        answers.status_for, bc.engine, bc.programme_id, person,
        code=code or ("INM" if person.sees_everything else None), period=period, as_of=bc.today(),
    )  # fmt: skip
    answer = found[0]
    reply = replies.status_reply(
        answer, parent=_parent(answer, person, answer.node.code), page=page, locale=bc.locale
    )
    await query.answer()
    await query.edit_message_text(reply.text, reply_markup=_keyboard(reply))


async def pending(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/pendientes [CODE]`: what is due and still empty, per owner, with the deadline."""
    bc, message = ctx(context), update.effective_message
    person = await _viewer(update, bc)
    if person is None or message is None:
        return
    code = at_most_one(context.args or [], "pendientes")
    found = await asyncio.to_thread(
        answers.pending_for, bc.engine, bc.programme_id, person, code=code, as_of=bc.today()
    )
    await _reply_long(message, replies.pending_text(found, bc.locale))


async def ranking(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/semaforo [PERIOD]`: every unit the person may see, ranked and coloured."""
    bc, message = ctx(context), update.effective_message
    person = await _viewer(update, bc)
    if person is None or message is None:
        return
    period = at_most_one(context.args or [], "semaforo")
    found = await asyncio.to_thread(
        answers.ranking_for, bc.engine, bc.programme_id, person, period=period, as_of=bc.today()
    )
    await _reply_long(message, replies.ranking_text(found, bc.locale))


async def graph(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/grafica CODE`: a PNG of the monthly compliance against target, with the colour bands."""
    bc, message = ctx(context), update.effective_message
    person = await _viewer(update, bc)
    if person is None or message is None:
        return
    code = at_most_one(context.args or [], "grafica")
    if code is None:
        await message.reply_text(replies.text("chart_needs_code", bc.locale))
        return
    png, caption = await asyncio.to_thread(_chart, bc, person, code)
    await message.reply_photo(photo=png, caption=caption)


def _chart(bc: BotContext, person: Viewer, code: str) -> tuple[bytes, str]:
    stored = service.programme(bc.engine, bc.programme_id)
    wanted = answers.check_reach(stored, person, code)
    as_of = bc.today() or service.today(stored)
    series = chart.chart_series(bc.engine, bc.programme_id, wanted, as_of=as_of)
    node = service.status(bc.engine, bc.programme_id, code=wanted, as_of=as_of).node
    return chart.render_png(series, locale=bc.locale), replies.chart_caption(
        node, stored.catalogue.year, bc.locale
    )


async def help_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/ayuda`: how to use the bot, with examples (answered to anyone: it holds no data)."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(HELP.get(ctx(context).locale, HELP["es"]))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one place errors become words: a domain error is told as such, a 403 marks the
    person unreachable, anything else is logged once and answered with a short apology."""
    error, bc = context.error, ctx(context)
    message = update.effective_message if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        if chat is not None:
            marked = await asyncio.to_thread(
                owners.mark_unreachable, bc.engine, bc.programme_id, chat.id
            )
            log.warning("chat %s blocked the bot; owner marked unreachable: %s", chat.id, marked)
        return
    if isinstance(error, SemaforoError | PeriodError):
        text = str(error)
        text = text[:1].upper() + text[1:]
    else:
        log.error("error handling an update: %s", error, exc_info=error)
        text = replies.text("apology", bc.locale)
    if message is not None:
        try:
            await message.reply_text(text)
        except TelegramError as exc:
            log.warning("could not tell chat %s about an error: %s", chat.id if chat else "?", exc)


def _parent(answer: service.StatusAnswer, person: Viewer, code: str) -> str | None:
    return answers.parent_code(answer.programme, person, code)


def _keyboard(reply: replies.Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in reply.buttons]
    )  # fmt: skip


async def _reply_long(message: Message, text: str) -> None:
    for part in replies.split(text):
        await message.reply_text(part)


HELP = {
    "es": (
        "Semáforo del Programa Anual de Trabajo\n\n"
        "/status — cómo van sus unidades en lo que va del año\n"
        "/status 2.3 — una unidad o un indicador (p. ej. 2.3.1)\n"
        "/status 2.3 mar — un mes (mar, marzo, 2019-03), un trimestre (T1) o el año (2019)\n"
        "/pendientes — qué falta capturar, de quién y hasta cuándo\n"
        "/semaforo — todas sus unidades, de la mejor a la peor\n"
        "/grafica 2.3.1 — gráfica mensual del cumplimiento contra la meta\n\n"
        "Colores: 🟢 verde (95 % o más), 🟡 amarillo (70 a 94.9 %), 🔴 rojo (menos de 70 %), "
        "🔵 excedido (116 % o más), ⏳ pendiente (aún en plazo), ❗ falta (plazo vencido), "
        "⚪ sin metas en el periodo. Cada indicador puede tener sus propios umbrales.\n\n"
        "Use los botones bajo cada respuesta para bajar a las áreas e indicadores, o subir."
    ),
    "en": (
        "Traffic lights of the annual work programme\n\n"
        "/status — how your units stand so far this year\n"
        "/status 2.3 — one unit or indicator (e.g. 2.3.1)\n"
        "/status 2.3 mar — a month (mar, 2019-03), a quarter (T1) or the year (2019)\n"
        "/pendientes — what is still to be captured, by whom and by when\n"
        "/semaforo — all your units, best first\n"
        "/grafica 2.3.1 — monthly compliance against the target, as a chart\n\n"
        "Colours: 🟢 green (95% or more), 🟡 yellow (70 to 94.9%), 🔴 red (under 70%), "
        "🔵 exceeded (116% or more), ⏳ pending (deadline not passed), ❗ missing (deadline "
        "passed), ⚪ nothing due. Indicators may have their own thresholds.\n\n"
        "Use the buttons under each answer to go down into areas and indicators, or back up."
    ),
}
