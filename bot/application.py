"""The Telegram application, built in one place from the settings and the engine."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.error import InvalidToken
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import handlers, replies
from bot.handlers import BotContext
from semaforo.errors import NotConfigured
from semaforo.logs import redact_everywhere

log = logging.getLogger("semaforo.bot")

TOKEN_REJECTED = "Telegram rechazó el token: revise SEMAFORO_TELEGRAM_TOKEN con @BotFather"

COMMANDS = {
    "es": [
        BotCommand("status", "Cómo va una unidad o indicador: /status 2.3 mar"),
        BotCommand("pendientes", "Qué falta capturar, de quién y hasta cuándo"),
        BotCommand("semaforo", "Todas sus unidades, de la mejor a la peor"),
        BotCommand("grafica", "Gráfica mensual contra la meta: /grafica 2.3.1"),
        BotCommand("ayuda", "Cómo usar el bot, con ejemplos"),
        BotCommand("start", "Registrarse con su código de invitación"),
    ],
    "en": [
        BotCommand("status", "How a unit or indicator stands: /status 2.3 mar"),
        BotCommand("pendientes", "What is still to be captured, by whom and by when"),
        BotCommand("semaforo", "All your units, best first"),
        BotCommand("grafica", "Monthly chart against the target: /grafica 2.3.1"),
        BotCommand("ayuda", "How to use the bot, with examples"),
        BotCommand("start", "Register with your invitation code"),
    ],
}


def build_application(
    *,
    token: str,
    api_url: str,
    engine: Engine,
    programme_id: str,
    locale: str = "es",
    today: Callable[[], dt.date | None] | None = None,
    now: Callable[[], dt.datetime] | None = None,
    max_retries: int = 3,
) -> Application:  # type: ignore[type-arg]
    """The bot: handlers, rate limiter (429 retried after `retry_after`), error handler and
    command menu. Nothing connects until the application is started."""
    redact_everywhere([token])
    base = api_url.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .rate_limiter(rate_limiter(max_retries))
        .build()
    )
    application.bot_data["semaforo"] = BotContext(
        engine=engine,
        programme_id=programme_id,
        locale=locale,
        today=today or (lambda: None),
        now=now or (lambda: dt.datetime.now(dt.UTC)),
    )
    # Group -1 runs first: outside a private chat it answers one line and stops the update.
    application.add_handler(TypeHandler(Update, handlers.private_only), group=-1)
    for name, callback in (
        ("start", handlers.start),
        ("status", handlers.status),
        ("pendientes", handlers.pending),
        ("semaforo", handlers.ranking),
        ("grafica", handlers.graph),
        ("reporte", handlers.report),
        ("ayuda", handlers.help_text),
        ("help", handlers.help_text),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(handlers.drill))  # any data: stale ones too
    application.add_handler(MessageHandler(filters.ALL, _anything_else))
    application.add_error_handler(handlers.on_error)
    return application


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates instead of being polled: the public URL (the path part is
    served locally too), the local address and port, and the secret Telegram sends back."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str | None = None


def rate_limiter(max_retries: int = 3) -> AIORateLimiter:
    """Telegram's 30 messages a second, spaced evenly (one every 1/30 s).

    AIORateLimiter's default lets 30 go at once after any pause; Telegram counts a sliding
    second, refuses the 31st, and the limiter then stalls everything for retry_after: the
    reminder benchmark measured 23 msg/s with a 429 every 1.3 s, against 29 msg/s and no 429
    spaced evenly (bench/README.md).
    """
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=max_retries)


async def start_bot(
    application: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: float = 10.0,
    poll_interval: float = 0.0,
    webhook: Webhook | None = None,
) -> None:
    """Connect, publish the command menu (Spanish; English for English-language clients), and
    start long polling, or the webhook listener when one is configured. A token Telegram
    rejects is NotConfigured; an unreachable Telegram is telegram.error.NetworkError."""
    await connect(application.bot)
    await application.initialize()
    # The menu only where the bot answers: private chats. Groups see none (an earlier version
    # published it for every chat: that default is cleared).
    private = BotCommandScopeAllPrivateChats()
    await application.bot.delete_my_commands()
    await application.bot.delete_my_commands(language_code="en")
    await application.bot.set_my_commands(COMMANDS["es"], scope=private)
    await application.bot.set_my_commands(COMMANDS["en"], scope=private, language_code="en")
    assert application.updater is not None
    if webhook is None:
        await application.updater.start_polling(
            poll_interval=poll_interval, timeout=dt.timedelta(seconds=poll_timeout)
        )
    else:
        await application.updater.start_webhook(
            listen=webhook.listen, port=webhook.port, url_path=urlsplit(webhook.url).path,
            webhook_url=webhook.url, secret_token=webhook.secret,
        )  # fmt: skip
    await application.start()
    log.info("bot @%s answering (%s)", application.bot.username,
             "webhook" if webhook else "long polling")  # fmt: skip


async def stop_bot(application: Application) -> None:  # type: ignore[type-arg]
    """Stop polling, let the handlers in flight finish, and close the connections; also after
    a start that failed half-way (the bot's connections are open before getMe answers)."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    await application.bot.shutdown()  # nothing to do unless getMe failed


async def connect(bot: Bot) -> None:
    """Open the bot's connections and check its token with getMe. PTB's InvalidToken quotes
    the token; this says it in one line without it (NotConfigured)."""
    try:
        await bot.initialize()
    except InvalidToken:
        await bot.shutdown()
        raise NotConfigured(TOKEN_REJECTED) from None


async def _anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text that is not a command: point to /ayuda (registered) or to registration."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    bc = handlers.ctx(context)
    person = await handlers.answers_viewer(bc, update.effective_user.id)
    key = "unregistered" if person is None else "not_a_command"
    await message.reply_text(replies.text(key, bc.locale))
