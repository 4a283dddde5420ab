"""The fake Bot API server, driven by the real python-telegram-bot (never mocked)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import struct
import threading
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.error import HTTPError

import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_google_workbook import no_internet  # noqa: F401  (autouse fixture)

TOKEN = "123:ABC"
USER = 555


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of this size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as server:
        yield server


def with_bot(api: FakeBotApi, test: Callable[[Bot], Awaitable[object]], token: str = TOKEN) -> None:
    """Run `test` with a real, initialised Bot pointed at the fake."""

    async def main() -> None:
        bot = Bot(token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot")
        async with bot:
            await test(bot)

    asyncio.run(main())


def raw(api: FakeBotApi, path: str, body: bytes | None = None, kind: str = "") -> tuple[int, Any]:
    """A plain HTTP request: the status and decoded JSON answer."""
    request = urllib.request.Request(f"{api.url}{path}", data=body)
    if kind:
        request.add_header("Content-Type", kind)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def test_get_me_and_commands(api: FakeBotApi) -> None:
    async def test(bot: Bot) -> None:
        me = await bot.get_me()
        assert (me.id, me.is_bot, me.username) == (123, True, "semaforo_test_bot")
        assert bot.username == "semaforo_test_bot"
        await bot.set_my_commands([BotCommand("ping", "Comprueba el bot")], language_code="es")
        assert await bot.get_my_commands() == ()
        commands = await bot.get_my_commands(language_code="es")
        assert [(c.command, c.description) for c in commands] == [("ping", "Comprueba el bot")]
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Ping", "mayúscula")])
        await bot.delete_my_commands(language_code="es")
        assert await bot.get_my_commands(language_code="es") == ()

    with_bot(api, test)
    setting = next(c for c in api.calls if c.method == "setMyCommands")
    assert setting.params["commands"] == [{"command": "ping", "description": "Comprueba el bot"}]
    assert setting.params["language_code"] == "es"
    assert api.commands(language_code="es") == []


def test_send_and_edit_with_an_inline_keyboard(api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sí", callback_data="ok:1.1")]])

    async def test(bot: Bot) -> None:
        sent = await bot.send_message(USER, "¿Confirmas?", reply_markup=keyboard)
        assert sent.reply_markup == keyboard
        assert sent.chat.id == USER and sent.from_user is not None and sent.from_user.is_bot
        edited = await bot.edit_message_text("Confirmado", chat_id=USER, message_id=sent.id)
        assert isinstance(edited, Message)
        assert edited.text == "Confirmado" and edited.reply_markup is None
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("Confirmado", chat_id=USER, message_id=sent.id)
        await bot.edit_message_reply_markup(USER, sent.id, reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("¿?", chat_id=USER, message_id=999)
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            long_data = InlineKeyboardButton("x", callback_data="x" * 65)
            await bot.send_message(USER, "largo", reply_markup=InlineKeyboardMarkup([[long_data]]))

    with_bot(api, test)
    seen = api.message(USER, 1)
    assert seen["text"] == "Confirmado"
    assert seen["reply_markup"] == keyboard.to_dict()
    assert [(c.method, c.params["text"]) for c in api.sent(chat_id=USER)] == [
        ("sendMessage", "¿Confirmas?"),
        ("editMessageText", "Confirmado"),
    ]
    assert api.sent(chat_id=USER + 1) == []


def test_html_is_checked_and_stripped(api: FakeBotApi) -> None:
    async def test(bot: Bot) -> None:
        sent = await bot.send_message(USER, "<b>Hola</b> &amp; <i>adiós</i>", parse_mode="HTML")
        assert sent.text == "Hola & adiós"
        with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "br" at byte offset 6'):
            await bot.send_message(USER, "línea<br>otra", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(USER, "<b>sin cerrar", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(USER, "<b> </b>", parse_mode="HTML")

    with_bot(api, test)


def test_send_photo_and_document_store_the_bytes(api: FakeBotApi) -> None:
    image = png(3, 2)

    async def test(bot: Bot) -> None:
        sent = await bot.send_photo(USER, image, caption="<b>Semáforo</b>", parse_mode="HTML")
        (size,) = sent.photo
        assert (size.width, size.height, size.file_size) == (3, 2, len(image))
        assert sent.caption == "Semáforo"
        assert api.files[size.file_id] == image
        again = await bot.send_photo(USER, size.file_id)
        assert again.photo[0].width == 3
        with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
            await bot.send_photo(USER, b"not an image")
        document = await bot.send_document(USER, b"a,b\n1,2\n", filename="avance.csv")
        assert document.document is not None
        assert (document.document.file_name, document.document.mime_type) == (
            "avance.csv",
            "text/csv",
        )

    with_bot(api, test)
    upload = next(c for c in api.calls if c.method == "sendPhoto")
    assert upload.files == {"photo": image}
    assert upload.params["chat_id"] == USER and upload.params["parse_mode"] == "HTML"


def test_get_updates_delivers_messages_and_callbacks(api: FakeBotApi) -> None:
    async def test(bot: Bot) -> None:
        sent = await bot.send_message(USER, "Elige", reply_markup=InlineKeyboardMarkup([[]]))
        first = api.push_message(USER, "/ping@semaforo_test_bot ahora", username="ana")
        second = api.push_callback(USER, "ok:1.1", message_id=sent.id)
        message, callback = await bot.get_updates(timeout=0)
        assert message.update_id == first and callback.update_id == second
        assert message.message is not None
        assert message.message.text == "/ping@semaforo_test_bot ahora"
        assert message.message.parse_entities(["bot_command"]).popitem()[1] == (
            "/ping@semaforo_test_bot"
        )
        assert message.effective_user is not None and message.effective_user.username == "ana"
        query = callback.callback_query
        assert query is not None and query.data == "ok:1.1"
        assert query.message is not None and query.message.message_id == sent.id
        assert await query.answer("Listo")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await query.answer()
        assert len(await bot.get_updates(offset=first + 1, timeout=0)) == 1
        assert await bot.get_updates(offset=second + 1, timeout=0) == ()

    with_bot(api, test)
    api.wait_idle(timeout=1)


def test_long_polling_wakes_up_when_an_update_arrives(api: FakeBotApi) -> None:
    async def test(bot: Bot) -> None:
        started = time.monotonic()

        def arrive() -> None:
            api.wait_polling()
            api.push_message(USER, "hola")

        threading.Thread(target=arrive).start()
        updates = await bot.get_updates(timeout=20)
        assert [u.message.text for u in updates if u.message] == ["hola"]
        assert time.monotonic() - started < 20  # woken by the update, not by its own timeout
        started = time.monotonic()
        later = updates[0].update_id + 1
        assert await bot.get_updates(offset=later, timeout=dt.timedelta(seconds=0.3)) == ()
        assert time.monotonic() - started >= 0.25

    with_bot(api, test)


def test_injected_faults_blocked_users_and_unknown_chats(
    api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.fail_next("sendMessage", retry_after=3)
    api.fail_next("sendChatAction", status=500, times=2)
    api.block(USER + 1)

    async def test(bot: Bot) -> None:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(USER, "uno")
        assert caught.value.retry_after == dt.timedelta(seconds=3)
        assert (await bot.send_message(USER, "dos")).text == "dos"
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await bot.send_chat_action(USER, "typing")
        assert await bot.send_chat_action(USER, "typing")
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(USER + 1, "hola")

    with_bot(api, test)
    assert [c.status for c in api.calls if c.method == "sendMessage"] == [429, 200, 403]
    api.strict_chats = True
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        with_bot(api, lambda bot: bot.send_message(777, "¿quién?"))


def test_wrong_token_and_unknown_method_answer_like_telegram(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        with_bot(api, lambda bot: bot.get_me(), token="999:WRONG")
    assert raw(api, "/bot999:WRONG/getMe") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert raw(api, f"/bot{TOKEN}/fooBar") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


def test_parameters_from_forms_json_and_query_strings(api: FakeBotApi) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]})
    form = f"chat_id={USER}&text=123&reply_markup={urllib.parse.quote(markup)}"
    status, answer = raw(
        api, f"/bot{TOKEN}/sendMessage", form.encode(), "application/x-www-form-urlencoded"
    )
    assert status == 200 and answer["result"]["text"] == "123"
    assert answer["result"]["reply_markup"] == json.loads(markup)
    body = json.dumps({"chat_id": USER, "text": "json"}).encode()
    assert raw(api, f"/bot{TOKEN}/sendMessage", body, "application/json")[0] == 200
    assert raw(api, f"/bot{TOKEN}/sendmessage?chat_id={USER}&text=q")[0] == 200  # any case
    assert [c.params for c in api.sent()] == [
        {"chat_id": USER, "text": "123", "reply_markup": json.loads(markup)},
        {"chat_id": USER, "text": "json"},
        {"chat_id": USER, "text": "q"},
    ]


def test_enforced_limits_answer_429_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with FakeBotApi(enforce_limits=True, per_chat_interval=1.0, global_per_second=3) as api:

        async def test(bot: Bot) -> None:
            await bot.send_message(1, "a")
            with pytest.raises(RetryAfter) as per_chat:
                await bot.send_message(1, "b")
            await bot.send_message(2, "c")
            await bot.send_message(3, "d")
            with pytest.raises(RetryAfter) as overall:
                await bot.send_message(4, "e")
            assert (
                per_chat.value.retry_after == overall.value.retry_after == dt.timedelta(seconds=1)
            )

        with_bot(api, test)
    assert api.too_many_requests == 2
    assert [c.params["chat_id"] for c in api.calls if c.status == 429] == [1, 4]


def test_stopping_answers_a_pending_long_poll_at_once() -> None:
    api = FakeBotApi(token=TOKEN).start()
    answers: list[tuple[int, Any]] = []
    poll = threading.Thread(
        target=lambda: answers.append(raw(api, f"/bot{TOKEN}/getUpdates?timeout=30"))
    )
    poll.start()
    api.wait_polling()
    started = time.monotonic()
    api.stop()
    poll.join(timeout=40)
    assert time.monotonic() - started < 30  # answered by the stop, not by its 30 s timeout
    assert answers == [(200, {"ok": True, "result": []})]


def test_a_real_application_answers_a_command_and_a_button() -> None:
    threads_before = set(threading.enumerate())
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Otra vez", callback_data="again")]])

    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        words = " ".join(context.args or [])
        await update.effective_message.reply_text(f"pong {words}", reply_markup=keyboard)

    async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("pong otra vez")

    async def main(api: FakeBotApi) -> None:
        app = (
            Application.builder()
            .token(TOKEN)
            .base_url(f"{api.url}/bot")
            .base_file_url(f"{api.url}/file/bot")
            .build()
        )
        app.add_handlers([CommandHandler("ping", ping), CallbackQueryHandler(again)])
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            api.push_message(USER, "/ping ya")
            reply = await asyncio.to_thread(
                api.wait_for, lambda c: c.method == "sendMessage" and c.ok, 5.0
            )
            assert reply.params["text"] == "pong ya" and reply.params["chat_id"] == USER
            api.push_callback(USER, "again", message_id=2)
            await asyncio.to_thread(api.wait_for, lambda c: c.method == "editMessageText", 5.0)
            await asyncio.to_thread(api.wait_idle, 5.0)
            await app.updater.stop()
            await app.stop()

    with FakeBotApi(token=TOKEN) as api:
        asyncio.run(main(api))
    assert api.message(USER, 2)["text"] == "pong otra vez"
    assert "reply_markup" not in api.message(USER, 2)
    assert [c.status for c in api.calls if c.method == "answerCallbackQuery"] == [200]
    assert set(threading.enumerate()) <= threads_before
