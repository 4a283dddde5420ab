"""The bot as an attacker and a hurried user meet it: groups and channels, invitations that
must not move accounts, guessed codes, forged and stale buttons, double taps, huge arguments.

The real python-telegram-bot against the local Bot API server; updates are handled one at a
time, in order, so "nothing was sent" is checked after a later update was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.application import build_application, start_bot, stop_bot
from bot.replies import text as bot_text
from semaforo.people.owners import MAX_FAILED_STARTS, add_owner, invite, list_owners
from semaforo.store.roster import OwnerView
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import Call, FakeBotApi
from tests.integration.test_bot import (
    AS_OF,
    CAPTURE,
    DIRECTOR,
    PAT,
    PLANNING,
    STRANGER,
    reply_to,
)

MEXICO = ZoneInfo("America/Mexico_City")
CLOCK = dt.datetime(2019, 4, 10, 9, 0, tzinfo=MEXICO)
"""The service clock (SEMAFORO_CLOCK): years before the real date, so expiry must follow it."""
SUPERGROUP, GROUP, CHANNEL = -1001234567890, -4001, -1009876543210
PRIVATE_ONLY = bot_text("private_only", link="https://t.me/semaforo_test_bot")


@contextlib.asynccontextmanager
async def running(
    api: FakeBotApi, engine: Engine, now: Callable[[], dt.datetime] = lambda: CLOCK
) -> AsyncIterator[None]:
    app = build_application(token=TOKEN, api_url=api.url, engine=engine, programme_id=PAT,
                            today=lambda: AS_OF, now=now)  # fmt: skip
    await start_bot(app, poll_timeout=1)
    try:
        yield
    finally:
        await stop_bot(app)


def run(
    api: FakeBotApi,
    engine: Engine,
    scenario: Callable[[], Awaitable[None]],
    now: Callable[[], dt.datetime] = lambda: CLOCK,
) -> None:
    async def main() -> None:
        async with running(api, engine, now):
            await scenario()

    asyncio.run(main())


def eva(engine: Engine) -> str:
    """Eva, a planner with no Telegram account yet, and a fresh code for her."""
    add_owner(engine, PAT, name="Eva Evaluación", role="planning", units=[],
              email="eva@inm.example.mx")  # fmt: skip
    return invite(engine, PAT, "eva@inm.example.mx", now=CLOCK)[1]


def owner(engine: Engine, name: str) -> OwnerView:
    return next(o for o in list_owners(engine, PAT) if o.name == name)


def to_chat(api: FakeBotApi, chat: int) -> list[Call]:
    return [c for c in api.calls if c.params.get("chat_id") == chat and c.method != "getUpdates"]


def answers(api: FakeBotApi) -> list[Call]:
    return [c for c in api.calls if c.method == "answerCallbackQuery"]


async def settled(api: FakeBotApi) -> None:
    """Every update so far was handled: the answer to a later /ayuda in a private chat came."""
    await reply_to(api, PLANNING, "/ayuda")


def test_in_groups_and_channels_commands_get_one_line_and_no_data(
    db: Engine, api: FakeBotApi
) -> None:
    code = eva(db)
    commands = ["/status 2.3", "/status@semaforo_test_bot 2.3", "/pendientes",
                "/grafica 2.3.1", "/semaforo", f"/start {code}", "/ayuda"]  # fmt: skip

    async def scenario() -> None:
        for sender in (DIRECTOR, STRANGER):
            for command in commands:
                api.push_message(sender, command, chat_id=SUPERGROUP, chat_type="supergroup")
        # talk and another bot's commands are not answered at all
        api.push_message(DIRECTOR, "¿cómo vamos con 2.3?", chat_id=SUPERGROUP)
        api.push_message(DIRECTOR, "/status@otro_bot 2.3", chat_id=SUPERGROUP)
        api.push_message(DIRECTOR, "/status 2.3", chat_id=GROUP)
        api.push_message(0, "/status 2.3", chat_id=CHANNEL, chat_type="channel")
        await settled(api)
        # a button pressed in the group (on the bot's message there) gives no data either
        message_id = next(c for c in to_chat(api, SUPERGROUP)).result["message_id"]
        api.push_callback(DIRECTOR, "s|2.3|2019|0", message_id=message_id, chat_id=SUPERGROUP)
        await settled(api)

    run(api, db, scenario)
    group = to_chat(api, SUPERGROUP)
    assert [c.method for c in group] == ["sendMessage"] * (2 * len(commands))
    assert {c.params["text"] for c in group} == {PRIVATE_ONLY}
    assert [c.params["text"] for c in to_chat(api, GROUP)] == [PRIVATE_ONLY]
    assert [c.params["text"] for c in to_chat(api, CHANNEL)] == [PRIVATE_ONLY]
    assert [(a.params["text"], a.params["show_alert"]) for a in answers(api)] == [
        (bot_text("private_only_alert"), True)
    ]
    assert not [c for c in api.calls if c.method in ("editMessageText", "sendPhoto")]
    assert owner(db, "Eva Evaluación").telegram_id is None  # the code was not read in the group


def test_a_code_for_someone_else_a_revoked_code_and_a_rebind_are_refused(
    db: Engine, api: FakeBotApi
) -> None:
    first = eva(db)
    _, second = invite(db, PAT, "eva@inm.example.mx", now=CLOCK)  # revokes the first
    add_owner(db, PAT, name="Iris Ibáñez", role="capture", units=["2.3"],
              email="iris@inm.example.mx")  # fmt: skip
    _, iris = invite(db, PAT, "iris@inm.example.mx", now=CLOCK)
    # Iris registers some other way (the Responsables tab) before she uses her code
    add_owner(db, PAT, name="Iris Ibáñez", role="capture", units=["2.3"],
              email="iris@inm.example.mx", telegram_id=500005)  # fmt: skip

    async def scenario() -> None:
        # the director's account tries the planner's code: refused, nothing moves
        text = (await reply_to(api, DIRECTOR, f"/start {second}")).params["text"]
        assert text == bot_text("other_person", name="Dora Directora")
        text = (await reply_to(api, 7777, f"/start {first}")).params["text"]
        assert text == bot_text("bad_code")
        text = (await reply_to(api, 8888, f"/start {iris}")).params["text"]
        assert text == bot_text("bound_elsewhere")
        text = (await reply_to(api, 7777, f"/start {second}")).params["text"]
        assert text.startswith("Hola, Eva Evaluación. Quedó registrado como planeación")
        status = (await reply_to(api, DIRECTOR, "/status")).params["text"]
        assert "2.3" in status  # the director is still herself

    run(api, db, scenario)
    assert owner(db, "Eva Evaluación").telegram_id == 7777
    assert owner(db, "Dora Directora").telegram_id == DIRECTOR
    assert owner(db, "Iris Ibáñez").telegram_id == 500005
    ids = [o.telegram_id for o in list_owners(db, PAT) if o.telegram_id is not None]
    assert len(ids) == len(set(ids))  # one account, one person


def test_a_replacement_code_moves_the_person_and_the_old_account_is_told(
    db: Engine, api: FakeBotApi
) -> None:
    _, code = invite(db, PAT, "carlos@inm.example.mx", now=CLOCK, replace=True)

    async def scenario() -> None:
        text = (await reply_to(api, 7777, f"/start {code}")).params["text"]
        assert text.startswith("Hola, Carlos Captura.")
        told = [c.params["text"] for c in to_chat(api, CAPTURE) if c.method == "sendMessage"]
        assert told == [bot_text("replaced", name="Carlos Captura")]
        text = (await reply_to(api, CAPTURE, "/status")).params["text"]
        assert text == bot_text("unregistered")

    run(api, db, scenario)
    assert owner(db, "Carlos Captura").telegram_id == 7777


def test_guessing_codes_is_throttled_per_account_by_the_service_clock(
    db: Engine, api: FakeBotApi
) -> None:
    code = eva(db)
    moment = [CLOCK]

    async def scenario() -> None:
        for guess in range(MAX_FAILED_STARTS):
            text = (await reply_to(api, STRANGER, f"/start ABCDEFGH{guess}")).params["text"]
            assert text == bot_text("bad_code")
        text = (await reply_to(api, STRANGER, f"/start {code}")).params["text"]
        assert text == bot_text("throttled", time="10:00", date="2019-04-10")
        text = (await reply_to(api, 7777, f"/start {code}")).params["text"]
        assert text.startswith("Hola, Eva Evaluación")  # another account is not held back

    run(api, db, scenario, now=lambda: moment[0])
    assert owner(db, "Eva Evaluación").telegram_id == 7777


def test_an_invitation_expires_by_the_service_clock_not_the_machines(
    db: Engine, api: FakeBotApi
) -> None:
    code = eva(db)  # valid for 7 days of 2019
    moment = [CLOCK + dt.timedelta(days=8)]

    async def scenario() -> None:
        text = (await reply_to(api, 7777, f"/start {code}")).params["text"]
        assert text == bot_text("bad_code")
        moment[0] = CLOCK + dt.timedelta(days=6)
        text = (await reply_to(api, 7777, f"/start {code}")).params["text"]
        assert text.startswith("Hola, Eva Evaluación")

    run(api, db, scenario, now=lambda: moment[0])


def test_every_button_press_is_answered_and_a_double_tap_changes_nothing(
    db: Engine, api: FakeBotApi
) -> None:
    async def scenario() -> None:
        await reply_to(api, DIRECTOR, "/status 2.3")
        shown = api.sent(DIRECTOR)[-1]
        message_id = shown.result["message_id"]
        buttons = [b for row in shown.params["reply_markup"]["inline_keyboard"] for b in row]
        into = next(b["callback_data"] for b in buttons if b["text"].endswith(" 2.3.1"))
        for _ in range(2):  # a double tap
            api.push_callback(DIRECTOR, into, message_id=message_id)
        api.push_callback(DIRECTOR, "zz|no|es|un|botón", message_id=message_id)  # forged
        api.push_callback(DIRECTOR, "s|9.9.9|2019-T1|0", message_id=message_id)  # stale code
        api.push_callback(STRANGER, into, message_id=message_id, chat_id=DIRECTOR)
        # a capture person of 2.3 forges a press for 2.4: not answered with 2.4's data
        api.push_callback(CAPTURE, "s|2.4|2019|0", message_id=message_id, chat_id=DIRECTOR)
        await settled(api)

    run(api, db, scenario)
    edits = [c for c in api.calls if c.method == "editMessageText"]
    assert [c.ok for c in edits] == [True, False]  # the second tap: "message is not modified"
    pressed = [(a.ok, a.params.get("text"), a.params.get("show_alert")) for a in answers(api)]
    stale = bot_text("stale_button")
    assert pressed[:4] == [(True, None, None), (True, None, None), (True, stale, True),
                           (True, stale, True)]  # fmt: skip
    assert pressed[4:] == [(True, bot_text("unregistered")[:200], True), (True, stale, True)]
    posted = [c.params["text"] for c in api.sent(DIRECTOR) if c.method == "sendMessage"]
    assert len(posted) == 1  # only the /status answer: no apology, no refusal in the chat


def test_an_overlong_argument_gets_a_short_refusal_that_does_not_echo_it(
    db: Engine, api: FakeBotApi
) -> None:
    huge = "9" * 4000

    async def scenario() -> None:
        for command in ("/status", "/pendientes", "/grafica", "/start"):
            text = (await reply_to(api, DIRECTOR, f"{command} {huge}")).params["text"]
            assert "demasiado largo (4000 caracteres" in text and len(text) < 200
            assert "9" * 41 not in text

    run(api, db, scenario)
