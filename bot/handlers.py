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
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import replies
from bot.arguments import at_most_one, code_and_period
from scoring import PeriodError
from semaforo import answers, chart, service
from semaforo.answers import Viewer
from semaforo.errors import SemaforoError
from semaforo.people import owners
from semaforo.report.model import build_report
from semaforo.report.pdf import render_pdf

log = logging.getLogger("semaforo.bot")


@dataclass(frozen=True, slots=True)
class BotContext:
    """What every handler needs, built once at start and kept in `application.bot_data`."""

    engine: Engine
    programme_id: str
    locale: str = "es"
    today: Callable[[], dt.date | None] = lambda: None
    """The date answers are "as of"; None means today in the programme's time zone."""
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    """The service clock (SEMAFORO_CLOCK): invitations expire and attempts count by it."""


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


async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: outside a private chat nothing is answered with data.

    A command in a group, supergroup or channel gets one line pointing to a private chat; a
    button pressed there gets a short alert; `/start CODE` is not read. Everything else in such
    chats is ignored, so the bot does not talk over a group's conversation.
    """
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    bc, query, message = ctx(context), update.callback_query, update.effective_message
    log.info("update %s from a %s chat ignored", update.update_id, chat.type)
    try:
        if query is not None:
            await query.answer(replies.text("private_only_alert", bc.locale), show_alert=True)
        elif message is not None and _addressed_to_us(message, context.bot.username):
            link = f"https://t.me/{context.bot.username}"
            await message.reply_text(replies.text("private_only", bc.locale, link=link))
    except TelegramError as exc:  # a channel the bot may not post in, an old button
        log.info("could not answer in chat %s: %s", chat.id, exc)
    raise ApplicationHandlerStop


def _addressed_to_us(message: Message, username: str) -> bool:
    """A command (`/status`, `/status@thisbot`), not one for another bot, nor plain talk."""
    text = message.text or message.caption or ""
    if not text.startswith("/"):
        return False
    command = text.split(maxsplit=1)[0]
    _, at, bot = command.partition("@")
    return not at or bot.lower() == username.lower()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start [CODE]`: register with an invitation code, or by the Telegram id or @username."""
    bc, user, message = ctx(context), update.effective_user, update.effective_message
    if user is None or message is None:
        return
    code = at_most_one(context.args or [], "start")
    if code:
        done = await asyncio.to_thread(
            owners.redeem, bc.engine, bc.programme_id, code,
            telegram_id=user.id, username=user.username, now=bc.now(),
        )  # fmt: skip
        if done.outcome is not owners.Outcome.REGISTERED:
            await message.reply_text(await _refusal(bc, done, user.id))
            return
        person = done.person
        if done.replaced_account is not None and person is not None:
            await _tell_replaced(context, bc, done.replaced_account, person.name)
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


async def _refusal(bc: BotContext, done: owners.Redemption, telegram_id: int) -> str:
    """What a refused `/start CODE` is told: never whose code it was."""
    if done.outcome is owners.Outcome.THROTTLED and done.retry_at is not None:
        local = done.retry_at.astimezone(bc.now().tzinfo)
        return replies.text("throttled", bc.locale, time=f"{local:%H:%M}", date=f"{local:%Y-%m-%d}")
    if done.outcome is owners.Outcome.OTHER_PERSON:
        holder = await answers_viewer(bc, telegram_id)
        return replies.text("other_person", bc.locale, name=holder.owner.name if holder else "—")
    if done.outcome is owners.Outcome.BOUND_ELSEWHERE:
        return replies.text("bound_elsewhere", bc.locale)
    return replies.text("bad_code", bc.locale)


async def _tell_replaced(
    context: ContextTypes.DEFAULT_TYPE, bc: BotContext, account: int, name: str
) -> None:
    """The account a replacement code moved someone away from is told (if it still can be)."""
    log.warning("owner %s moved from Telegram id %s to another account", name, account)
    try:
        await context.bot.send_message(account, replies.text("replaced", bc.locale, name=name))
    except TelegramError as exc:
        log.info("could not tell the replaced account %s: %s", account, exc)


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
    """A status button: the same answer for another code or page, in the same message.

    Every press is answered (Telegram shows a spinner until it is): an alert for an
    unregistered person, «este botón ya no vale» for stale, forged or malformed data. A
    second press of the same button (Telegram: "message is not modified") changes nothing.
    """
    bc, query = ctx(context), update.callback_query
    if query is None:
        return
    person = await answers_viewer(bc, query.from_user.id)
    if person is None:
        await query.answer(replies.text("unregistered", bc.locale)[:200], show_alert=True)
        return
    parsed = replies.parse_data(query.data or "")
    if parsed is None:
        await query.answer(replies.text("stale_button", bc.locale), show_alert=True)
        return
    code, period, page = parsed
    try:
        found = await asyncio.to_thread(
            answers.status_for, bc.engine, bc.programme_id, person,
            code=code or ("INM" if person.sees_everything else None), period=period,
            as_of=bc.today(),
        )  # fmt: skip
    except (SemaforoError, PeriodError):
        # The bot made this button, so a code or period it cannot answer now is stale (the
        # catalogue or the person's units changed) or forged: the same words for both.
        await query.answer(replies.text("stale_button", bc.locale), show_alert=True)
        return
    answer = found[0]
    reply = replies.status_reply(
        answer, parent=_parent(answer, person, answer.node.code), page=page, locale=bc.locale
    )
    await query.answer()
    try:
        await query.edit_message_text(reply.text, reply_markup=_keyboard(reply))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        # a double tap: the message already shows this answer


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
    """`/semaforo [CODE] [PERIOD]`: every unit the person may see (under CODE), ranked."""
    bc, message = ctx(context), update.effective_message
    person = await _viewer(update, bc)
    if person is None or message is None:
        return
    code, period = code_and_period(context.args or [], "semaforo")
    found = await asyncio.to_thread(
        answers.ranking_for, bc.engine, bc.programme_id, person, period=period,
        as_of=bc.today(), code=code,
    )  # fmt: skip
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


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/reporte [CODE] PERIOD`: the quarterly report as a PDF document, for the planning role
    (the institution or any unit) and a director (their own units)."""
    bc, message = ctx(context), update.effective_message
    person = await _viewer(update, bc)
    if person is None or message is None:
        return
    if person.owner.role == "capture":
        await message.reply_text(replies.text("report_role", bc.locale))
        return
    code, period = code_and_period(context.args or [], "reporte")
    if period is None:
        await message.reply_text(replies.text("report_needs_period", bc.locale))
        return
    pdf, name, caption = await asyncio.to_thread(_report_pdf, bc, person, code, period)
    await message.reply_document(document=pdf, filename=name, caption=caption)


def _report_pdf(
    bc: BotContext, person: Viewer, code: str | None, period: str
) -> tuple[bytes, str, str]:
    stored = service.programme(bc.engine, bc.programme_id)
    homes = answers.home_codes(stored, person)
    wanted = answers.check_reach(stored, person, code) if code else (homes[0] if homes else "")
    if not wanted and not person.sees_everything:
        raise answers.OutOfReach(code or "", [])
    as_of = bc.today() or service.today(stored)
    made = build_report(bc.engine, bc.programme_id, period=period, as_of=as_of, unit=wanted)
    scope = wanted or stored.catalogue.name
    name = f"informe-{made.period.label}{'-' + wanted if wanted else ''}.pdf"
    caption = replies.text("report_caption", bc.locale, period=made.period.label, scope=scope)
    return render_pdf(made), name, caption


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
        text = _sentence(str(error))
    else:
        log.error("error handling an update: %s", error, exc_info=error)
        text = replies.text("apology", bc.locale)
    query = update.callback_query if isinstance(update, Update) else None
    if query is not None:  # a button: answer the press, never post into the chat
        try:
            await query.answer(text[:200], show_alert=True)
        except TelegramError as exc:  # answered already, or too old
            log.info("could not answer a button press: %s", exc)
        return
    if message is not None:
        try:
            await message.reply_text(text)
        except TelegramError as exc:
            log.warning("could not tell chat %s about an error: %s", chat.id if chat else "?", exc)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


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
        "/status 2.3 mar — un mes (mar, marzo 2019, 03/2019), un trimestre (T1, primer "
        "trimestre) o el año (2019); sin periodo, lo que va del año hasta el último mes "
        "cerrado. Un número solo es un código: 2 es la unidad 2, no febrero.\n"
        "/pendientes — qué falta capturar, de quién y hasta cuándo\n"
        "/semaforo — todas sus unidades, de la mejor a la peor (/semaforo 2 T1: las de la 2)\n"
        "/grafica 2.3.1 — gráfica mensual del cumplimiento contra la meta\n"
        "/reporte T1 — el informe trimestral en PDF (Planeación; directores: /reporte 2.3 T1)\n\n"
        "Colores: 🟢 verde (95 % o más), 🟡 amarillo (70 a 94.9 %), 🔴 rojo (menos de 70 %), "
        "🔵 excedido (116 % o más), ⏳ pendiente (aún en plazo), ❗ falta (plazo vencido), "
        "⚪ sin metas en el periodo. Cada indicador puede tener sus propios umbrales.\n\n"
        "Use los botones bajo cada respuesta para bajar a las áreas e indicadores, o subir."
    ),
    "en": (
        "Traffic lights of the annual work programme\n\n"
        "/status — how your units stand so far this year\n"
        "/status 2.3 — one unit or indicator (e.g. 2.3.1)\n"
        "/status 2.3 mar — a month (mar, marzo 2019, 03/2019), a quarter (T1, primer "
        "trimestre) or the year (2019); with no period, the year to date through the last "
        "closed month. A bare number is a code: 2 is unit 2, not February.\n"
        "/pendientes — what is still to be captured, by whom and by when\n"
        "/semaforo — all your units, best first (/semaforo 2 T1: those of unit 2)\n"
        "/grafica 2.3.1 — monthly compliance against the target, as a chart\n"
        "/reporte T1 — the quarterly report as a PDF (planning; directors: /reporte 2.3 T1)\n\n"
        "Colours: 🟢 green (95% or more), 🟡 yellow (70 to 94.9%), 🔴 red (under 70%), "
        "🔵 exceeded (116% or more), ⏳ pending (deadline not passed), ❗ missing (deadline "
        "passed), ⚪ nothing due. Indicators may have their own thresholds.\n\n"
        "Use the buttons under each answer to go down into areas and indicators, or back up."
    ),
}
