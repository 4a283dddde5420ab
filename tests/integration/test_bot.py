"""The real python-telegram-bot application against a local Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from bot.application import Webhook, build_application, start_bot, stop_bot
from semaforo import service
from semaforo.formatting import badge
from semaforo.people.owners import add_owner, invite, list_owners
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import Call, FakeBotApi

PAT = "pat-inm-2019"
AS_OF = dt.date(2019, 4, 10)
SAMPLE = Path(__file__).parents[2] / "semaforo/catalogue/bundled/pat-inm-2019/sample-captures.csv"
DIRECTOR, CAPTURE, PLANNING, STRANGER = 2300, 2310, 5200, 9999


def _people(engine: Engine) -> None:
    service.import_captures(engine, PAT, SAMPLE.read_text(encoding="utf-8"), source="test")
    add_owner(engine, PAT, name="Dora Directora", role="director", units=["2.3"],
              telegram_id=DIRECTOR)  # fmt: skip
    add_owner(engine, PAT, name="Carlos Captura", role="capture", units=["2.3"],
              telegram_id=CAPTURE, email="carlos@inm.example.mx")  # fmt: skip
    add_owner(engine, PAT, name="Pepa Planeación", role="planning", units=[],
              telegram_id=PLANNING)  # fmt: skip


@contextlib.asynccontextmanager
async def running(api: FakeBotApi, engine: Engine) -> AsyncIterator[None]:
    """The bot polling the local server, answering as of 2019-04-10."""
    app = build_application(token=TOKEN, api_url=api.url, engine=engine, programme_id=PAT,
                            today=lambda: AS_OF)  # fmt: skip
    await start_bot(app, poll_timeout=1)
    try:
        yield
    finally:
        await stop_bot(app)


def run(api: FakeBotApi, engine: Engine, scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        async with running(api, engine):
            await scenario()

    asyncio.run(main())


async def reply_to(api: FakeBotApi, user: int, text: str, method: str = "sendMessage") -> Call:
    """Send a message as the user; the bot's first answer to it."""
    before = len(api.calls)
    api.push_message(user, text)
    return await asyncio.to_thread(
        api.wait_for,
        lambda c: c.method == method and c.ok and c.params.get("chat_id") == user
        and api.calls.index(c) >= before,
    )  # fmt: skip


def test_a_director_gets_the_clis_score_and_a_button_into_the_area(
    engine: Engine, api: FakeBotApi
) -> None:
    _people(engine)
    expected = badge(service.status(engine, PAT, code="2.3", as_of=AS_OF).node)

    async def scenario() -> None:
        answer = await reply_to(api, DIRECTOR, "/status 2.3")
        assert expected in answer.params["text"]
        buttons = [b for row in answer.params["reply_markup"]["inline_keyboard"] for b in row]
        into = next(b for b in buttons if b["text"].endswith(" 2.3.1"))
        message_id = api.sent(DIRECTOR)[-1].result["message_id"]
        api.push_callback(DIRECTOR, into["callback_data"], message_id=message_id)
        await asyncio.to_thread(api.wait_for, lambda c: c.method == "editMessageText" and c.ok)
        shown = api.message(DIRECTOR, message_id)
        indicator = badge(service.status(engine, PAT, code="2.3.1", as_of=AS_OF).node)
        assert "2.3.1" in shown["text"] and indicator in shown["text"]
        up = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
        assert "⬆ subir a 2.3" in up

    run(api, engine, scenario)


def test_an_unregistered_user_gets_no_number_and_no_unit_name(db: Engine, api: FakeBotApi) -> None:
    async def scenario() -> None:
        for command in ("/status 2.3", "/pendientes", "/semaforo", "/grafica 2.3.1", "hola"):
            answer = await reply_to(api, STRANGER, command)
            text = answer.params["text"]
            assert not re.search(r"\d", text), text
            assert "Control" not in text and "/start" in text

    run(api, db, scenario)


def test_a_user_outside_the_unit_is_told_only_what_they_may_ask_for(
    db: Engine, api: FakeBotApi
) -> None:
    async def scenario() -> None:
        text = (await reply_to(api, DIRECTOR, "/status 2.4")).params["text"]
        assert "No encuentro «2.4»" in text and "%" not in text
        text = (await reply_to(api, DIRECTOR, "/grafica 2.4.1")).params["text"]
        assert "No encuentro «2.4.1»" in text

    run(api, db, scenario)


def test_grafica_uploads_a_valid_png(db: Engine, api: FakeBotApi) -> None:
    async def scenario() -> None:
        photo = await reply_to(api, DIRECTOR, "/grafica 2.3.1", method="sendPhoto")
        png = photo.files["photo"]
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
        assert "2.3.1" in photo.params["caption"]

    run(api, db, scenario)


def test_pendientes_lists_each_owners_empty_captures_with_the_deadline(
    db: Engine, api: FakeBotApi
) -> None:
    async def scenario() -> None:
        text = (await reply_to(api, PLANNING, "/pendientes 2.5")).params["text"]
        assert text.startswith("Pendientes de captura en 2.5 — enero–abril 2019")
        assert "❗ 2.5.4 (febrero, plazo 2019-03-07)" in text  # missing
        assert "⏳ 2.5.4 (abril, plazo 2019-05-08)" in text  # April: open, still in time
        assert "👤 Sin responsable asignado" in text
        text = (await reply_to(api, DIRECTOR, "/pendientes")).params["text"]
        assert text.startswith("Nada pendiente de captura en 2.3")

    run(api, db, scenario)


def test_semaforo_ranks_every_visible_unit_in_messages_telegram_accepts(
    db: Engine, api: FakeBotApi
) -> None:
    async def scenario() -> None:
        first = (await reply_to(api, PLANNING, "/semaforo")).params["text"]
        assert first.startswith("Semáforo de sus unidades") and "1. " in first
        await asyncio.sleep(0.3)
        assert all(len(c.params["text"]) <= 4096 for c in api.sent(PLANNING))
        mine = (await reply_to(api, DIRECTOR, "/semaforo")).params["text"]
        assert mine.count("\n") == 1 and "2.3" in mine

    run(api, db, scenario)


def test_ayuda_explains_in_spanish_and_the_menu_is_registered(db: Engine, api: FakeBotApi) -> None:
    async def scenario() -> None:
        text = (await reply_to(api, STRANGER, "/ayuda")).params["text"]
        assert "/status 2.3 mar" in text and "🔵 excedido" in text
        private = {"type": "all_private_chats"}
        menu = {c["command"]: c["description"] for c in api.commands(scope=private)}
        assert set(menu) == {"status", "pendientes", "semaforo", "grafica", "ayuda", "start"}
        assert menu["pendientes"].startswith("Qué falta capturar")
        english = {c["command"] for c in api.commands(scope=private, language_code="en")}
        assert english == set(menu)
        assert api.commands() == []  # groups are shown no menu: the bot does not answer there

    run(api, db, scenario)


def test_start_with_an_invitation_registers_the_account_once(db: Engine, api: FakeBotApi) -> None:
    add_owner(db, PAT, name="Celia Captura", role="capture", units=["2.3"],
              email="celia@inm.example.mx")  # fmt: skip
    _, code = invite(db, PAT, "celia@inm.example.mx")

    async def scenario() -> None:
        text = (await reply_to(api, 7777, f"/start {code}")).params["text"]
        assert text.startswith("Hola, Celia Captura. Quedó registrado como captura de 2.3")
        status = (await reply_to(api, 7777, "/status")).params["text"]
        assert "2.3 " in status
        again = (await reply_to(api, 8888, f"/start {code}")).params["text"]
        assert "no es válido" in again

    run(api, db, scenario)


def test_start_recognises_a_username_listed_for_an_owner(db: Engine, api: FakeBotApi) -> None:
    add_owner(db, PAT, name="Rosa Ruiz", role="capture", units=["2.4"], username="@rosa_ruiz")

    async def scenario() -> None:
        api.push_message(4444, "/start", username="Rosa_Ruiz")
        call = await asyncio.to_thread(
            api.wait_for, lambda c: c.method == "sendMessage" and c.params["chat_id"] == 4444
        )
        assert "Rosa Ruiz" in call.params["text"]

    run(api, db, scenario)
    assert next(o for o in list_owners(db, PAT) if o.name == "Rosa Ruiz").telegram_id == 4444


def test_a_bad_period_or_too_many_words_is_answered_with_the_usage(
    db: Engine, api: FakeBotApi
) -> None:
    async def scenario() -> None:
        text = (await reply_to(api, DIRECTOR, "/status 2.3 marzzo")).params["text"]
        assert text.startswith("Periodo no reconocido: 'marzzo'")
        text = (await reply_to(api, DIRECTOR, "/status 2.3 mar abr may jun")).params["text"]
        assert "Uso: /status [código] [periodo]" in text

    run(api, db, scenario)


def test_a_429_is_retried_after_retry_after(db: Engine, api: FakeBotApi) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1)

    async def scenario() -> None:
        await reply_to(api, DIRECTOR, "/ayuda")
        statuses = [c.status for c in api.calls if c.method == "sendMessage"]
        assert statuses == [429, 200]

    run(api, db, scenario)


def test_a_user_who_blocked_the_bot_is_marked_unreachable(db: Engine, api: FakeBotApi) -> None:
    api.block(DIRECTOR)

    async def scenario() -> None:
        api.push_message(DIRECTOR, "/status 2.3")
        await asyncio.to_thread(api.wait_for, lambda c: c.status == 403)
        await reply_to(api, PLANNING, "/ayuda")  # the bot goes on serving others

    run(api, db, scenario)
    assert next(o for o in list_owners(db, PAT) if o.name == "Dora Directora").unreachable


def test_any_other_error_is_logged_once_apologised_for_and_the_token_never_logged(
    db: Engine, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail_next("sendMessage", status=500, description="Internal Server Error")

    async def scenario() -> None:
        text = (await reply_to(api, DIRECTOR, "/status 2.3")).params["text"]
        assert text.startswith("Lo siento, algo falló")
        text = (await reply_to(api, DIRECTOR, "/ayuda")).params["text"]
        assert "/pendientes" in text

    run(api, db, scenario)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post_update(url: str, user: int, text: str, secret: str) -> int:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1, "date": int(time.time()), "text": text,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Ana"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }  # fmt: skip
    request = urllib.request.Request(
        url, data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_with_a_webhook_url_telegram_posts_updates_and_the_secret_is_checked(
    db: Engine, api: FakeBotApi
) -> None:
    port = _free_port()
    public = "https://semaforo.example.mx/telegram"  # what Telegram is told (a reverse proxy)
    url = f"http://127.0.0.1:{port}/telegram"  # what the proxy forwards to

    async def scenario() -> None:
        app = build_application(token=TOKEN, api_url=api.url, engine=db, programme_id=PAT,
                                today=lambda: AS_OF)  # fmt: skip
        await start_bot(app, webhook=Webhook(url=public, port=port, secret="s3cr3t-token"))
        try:
            assert api.webhook_url == public
            assert await asyncio.to_thread(_post_update, url, STRANGER, "/ayuda", "wrong") == 403
            assert await asyncio.to_thread(_post_update, url, STRANGER, "/ayuda",
                                           "s3cr3t-token") == 200  # fmt: skip
            answer = await asyncio.to_thread(api.wait_for, lambda c: c.method == "sendMessage")
            assert "/status 2.3 mar" in answer.params["text"]
            assert len(api.sent()) == 1  # the update with the wrong secret was not handled
        finally:
            await stop_bot(app)

    asyncio.run(scenario())


def test_status_of_the_year_on_10_april_is_partial_with_a_score_and_periods_read_as_typed(
    db: Engine, api: FakeBotApi
) -> None:
    year = service.status(db, PAT, code="2.3", period="2019", as_of=AS_OF).node
    t1 = badge(service.status(db, PAT, code="2.3", period="T1", as_of=AS_OF).node)

    async def scenario() -> None:
        text = (await reply_to(api, DIRECTOR, "/status 2.3 2019")).params["text"]
        assert "2019 — parcial: cuentan enero–marzo; abril en captura hasta el 8 de mayo" in text
        assert year.score is not None and badge(year) in text
        for typed in ("/status 2.3 primer trimestre", "/status 2.3 1T", "/status 2.3 mar 2019",
                      "/status 2.3 03/2019", "/status 2.3"):  # fmt: skip
            text = (await reply_to(api, DIRECTOR, typed)).params["text"]
            assert text.startswith("Periodo "), (typed, text)
        # the default (through the last closed month) is T1's figure
        assert t1 in text
        ranking = (await reply_to(api, DIRECTOR, "/semaforo 2.3 T1")).params["text"]
        assert ranking.startswith("Semáforo de sus unidades — 2019-T1")
        assert "2.3 " in ranking and "2.4 " not in ranking
        refused = (await reply_to(api, DIRECTOR, "/semaforo 2")).params["text"]
        assert refused.startswith("No encuentro «2»")  # a bare number is a code, not February

    run(api, db, scenario)
