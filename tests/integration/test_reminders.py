"""Reminders through the real python-telegram-bot against the local Bot API server, with a
controlled clock: a simulated year of the PAT 2019, restarts, outages, 403s and 429s."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from telegram.ext import AIORateLimiter, ExtBot

from app import cli
from app.sample import sample_owners, sample_rows
from scheduler.fanout import FanoutReport, send_due
from scheduler.notifier import TelegramNotifier
from scoring import Catalogue
from semaforo import service
from semaforo.captures_csv import CaptureRow
from semaforo.people.owners import add_owner, list_owners
from semaforo.reminders import ledger
from semaforo.reminders.plan import Kind, Timing, moments
from semaforo.reminders.text import reminder_text
from semaforo.store.captures import apply_captures
from semaforo.store.engine import create_schema, make_engine, transaction
from semaforo.store.roster import OwnerView
from sheets_sync.owners_file import import_owners
from sheets_sync.sync import init_workbook, sync
from sheets_sync.xlsx import XlsxWorkbook
from tests.fakes.bot_api import BOT_TOKEN as TOKEN
from tests.fakes.bot_api import FakeBotApi

PAT = "pat-inm-2019"
MX = ZoneInfo("America/Mexico_City")
SAMPLE = Path(__file__).parents[2] / "semaforo/catalogue/bundled/pat-inm-2019/sample-captures.csv"


def _owners_csv(catalogue: Catalogue) -> str:
    return "\n".join(",".join(row) for row in sample_owners(catalogue))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'reminders.db'}")
    create_schema(engine)
    catalogue = service.programme(engine, PAT).catalogue
    import_owners(engine, PAT, _owners_csv(catalogue), name="owners.csv")
    yield engine
    engine.dispose()


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=MX)


async def _sweep(
    api: FakeBotApi, engine: Engine, at: dt.datetime, **kwargs: object
) -> FanoutReport:
    bot: ExtBot[int] = ExtBot(TOKEN, base_url=f"{api.url}/bot",
                              rate_limiter=AIORateLimiter(max_retries=3))  # fmt: skip
    async with bot:
        notifier = kwargs.pop("notifier", None) or TelegramNotifier(bot, per_chat_interval=0)
        return await send_due(engine, PAT, at=at, notifier=notifier, **kwargs)  # type: ignore[arg-type]


def sweep(api: FakeBotApi, engine: Engine, at: dt.datetime, **kwargs: object) -> FanoutReport:
    return asyncio.run(_sweep(api, engine, at, **kwargs))


def _capture(engine: Engine, rows: list[CaptureRow]) -> None:
    with transaction(engine) as session:
        apply_captures(session=session, programme_id=PAT, rows=rows, source="test")


def _texts(api: FakeBotApi) -> Counter[tuple[int, str]]:
    return Counter((c.params["chat_id"], c.params["text"]) for c in api.sent())


def test_dry_run_at_27_march_lists_exactly_the_owners_with_empty_march_indicators(
    db: Engine,
) -> None:
    service.import_captures(db, PAT, SAMPLE.read_text(encoding="utf-8"), source="test")
    stored = service.programme(db, PAT)
    cat = stored.catalogue
    captured = {(r.indicator, r.month) for r in sample_rows(cat, months=3)}
    empty = {
        i.code for i in cat.indicators
        if not i.office_indicator and 3 in i.months and (i.code, 3) not in captured
    }  # fmt: skip
    # the people listed for the indicator's own unit: its capture person, and its director
    # where the unit is a top unit with indicators of its own (9, Comunicación Social)
    people = [o for o in list_owners(db, PAT) if o.role in ("capture", "director")]
    expected = {
        (o.name, code) for code in empty for o in people
        if cat.indicator(code).unit in o.units  # type: ignore[union-attr]
    }  # fmt: skip

    due = ledger.due_at(db, PAT, dt.datetime(2019, 3, 27, 9, 0))
    listed = {(r.owner.name, label) for r in due.pending for label in
              (i.label for i in r.items)}  # fmt: skip
    assert listed == expected and len(expected) > 3
    assert {(r.kind, r.period) for r in due.pending} == {(Kind.DUE_SOON, "2019-03")}


@pytest.mark.slow
def test_a_simulated_year_sends_each_reminder_once_to_exactly_those_missing_something(
    db: Engine, api: FakeBotApi
) -> None:
    cat = service.programme(db, PAT).catalogue
    year_rows = sample_rows(cat, months=12, seed=7)
    people = [o for o in list_owners(db, PAT) if o.role != "planning"]
    # the capture person of each unit with indicators, and its head where the unit is a top one
    owners_of = {u: [o for o in people if u in o.units] for o in people for u in o.units}
    all_moments = [m for m in moments(2019, Timing(), MX) if m.kind is not Kind.WEEKLY]
    captured: set[tuple[str, int]] = set()
    expected: Counter[tuple[int, str, str]] = Counter()
    for moment in all_moments:
        # Captures of month M land on the 2nd business day of M+1 (before the deadline).
        for row in [r for r in year_rows if (r.indicator, r.month) not in captured]:
            lands = _at(f"{2019 + row.month // 12}-{row.month % 12 + 1:02d}-03T08:00")
            if lands <= moment.at:
                _capture(db, [row])
                captured.add((row.indicator, row.month))
        if moment.kind is Kind.DIRECTOR_DIGEST:
            continue  # checked below through the ledger
        for ind in cat.indicators:
            if ind.office_indicator or moment.month not in ind.months:
                continue
            if (ind.code, moment.month) not in captured:
                for owner in owners_of[ind.unit]:
                    expected[(owner.telegram_id or 0, moment.kind.value, moment.period)] = 1
        # unpaced (rate=None): this test is about what goes out, not about Telegram's pace
        sweep(api, db, moment.at, rate=None)
        sweep(api, db, moment.at + dt.timedelta(hours=2), rate=None)  # nothing new goes out

    digests = ("director_digest", "weekly")  # their content is checked in other tests
    rows = [r for r in ledger.entries(db, PAT) if r.kind not in digests]
    chat_of = {o.id: o.telegram_id for o in list_owners(db, PAT)}
    sent = Counter((chat_of[r.owner_id] or 0, r.kind, r.period) for r in rows if r.state == "sent")
    assert sent == expected
    assert all(n == 1 for n in _texts(api).values())  # no message twice
    assert len(api.sent()) == len(ledger.entries(db, PAT))


def test_killing_the_fanout_midway_and_starting_again_sends_the_rest_once(
    db: Engine, api: FakeBotApi
) -> None:
    at = _at("2019-03-27T09:00")  # nothing captured: every owner of a March indicator is due
    due = ledger.due_at(db, PAT, at)
    assert len(due.pending) > 20

    class Crash(BaseException):
        """The process dies: no except clause of the service catches it."""

    class DiesAfter:
        def __init__(self, inner: TelegramNotifier, sends: int) -> None:
            self.inner, self.left = inner, sends

        async def send(self, chat_id: int, text: str) -> int:
            if self.left == 0:
                raise Crash  # after the ledger claim, before the message leaves
            self.left -= 1
            return await self.inner.send(chat_id, text)

    async def first_run() -> None:
        bot: ExtBot[None] = ExtBot(TOKEN, base_url=f"{api.url}/bot")
        async with bot:
            notifier = DiesAfter(TelegramNotifier(bot, per_chat_interval=0), sends=7)
            await send_due(db, PAT, at=at, notifier=notifier, workers=1)

    with pytest.raises(Crash):
        asyncio.run(first_run())
    assert len(api.sent()) == 7
    states = Counter(r.state for r in ledger.entries(db, PAT))
    assert states == {"sent": 7, "claimed": 1}  # the one in flight when it died

    report = sweep(api, db, at + dt.timedelta(minutes=5))
    assert report.sent == len(due.pending) - 7 and report.already_sent == 7
    chats = Counter(c.params["chat_id"] for c in api.sent())
    assert set(chats) == {r.owner.telegram_id for r in due.pending}
    assert max(chats.values()) == 1


def test_a_stop_request_finishes_the_send_in_flight_and_leaves_the_rest_for_later(
    db: Engine, api: FakeBotApi
) -> None:
    at = _at("2019-03-27T09:00")
    total = len(ledger.due_at(db, PAT, at).pending)

    async def run_until_stopped() -> FanoutReport:
        stop = asyncio.Event()

        class Stopper:
            def __init__(self, inner: TelegramNotifier) -> None:
                self.inner, self.count = inner, 0

            async def send(self, chat_id: int, text: str) -> int:
                self.count += 1
                if self.count == 5:
                    stop.set()  # SIGTERM arrives while this send is in flight
                return await self.inner.send(chat_id, text)

        bot: ExtBot[None] = ExtBot(TOKEN, base_url=f"{api.url}/bot")
        async with bot:
            notifier = Stopper(TelegramNotifier(bot, per_chat_interval=0))
            return await send_due(db, PAT, at=at, notifier=notifier, workers=1, stop=stop)

    first = asyncio.run(run_until_stopped())
    assert first.stopped and first.sent == 5
    assert {r.state for r in ledger.entries(db, PAT)} == {"sent"}
    second = sweep(api, db, at + dt.timedelta(minutes=5))
    assert second.sent == total - 5
    assert max(Counter(c.params["chat_id"] for c in api.sent()).values()) == 1


def test_an_outage_over_a_moment_sends_it_late_only_while_it_still_holds(
    db: Engine, api: FakeBotApi
) -> None:
    # down from before 27 March 09:00 until 28 March 15:00: the due-soon reminder still holds
    late = sweep(api, db, _at("2019-03-28T15:00"))
    assert late.sent > 0
    kinds = {r.kind for r in ledger.entries(db, PAT)}
    assert kinds == {"due_soon"}
    # down across the whole last business day: last_day is superseded by the overdue notice
    before = len(api.sent())
    sweep(api, db, _at("2019-04-08T10:00"))
    kinds = {r.kind for r in ledger.entries(db, PAT)}
    assert "last_day" not in kinds and {"overdue", "director_digest"} <= kinds
    assert len(api.sent()) > before


def test_no_reminder_goes_to_an_owner_whose_indicators_are_all_captured(
    db: Engine, api: FakeBotApi
) -> None:
    cat = service.programme(db, PAT).catalogue
    _capture(db, [r for r in sample_rows(cat, months=3) if r.month == 3])
    done = {o.telegram_id for o in list_owners(db, PAT) if o.role == "capture"} - {
        r.owner.telegram_id for r in ledger.due_at(db, PAT, _at("2019-03-27T09:00")).pending
    }
    sweep(api, db, _at("2019-03-27T09:00"))
    assert done and not any(c.params["chat_id"] in done for c in api.sent())


def test_a_blocked_owner_is_marked_unreachable_and_named_in_the_planning_digest(
    db: Engine, api: FakeBotApi
) -> None:
    at = _at("2019-03-27T09:00")
    victim = ledger.due_at(db, PAT, at).pending[0].owner
    assert victim.telegram_id is not None
    api.block(victim.telegram_id)
    report = sweep(api, db, at)
    assert report.unreachable == 1
    assert next(o for o in list_owners(db, PAT) if o.id == victim.id).unreachable
    assert next(r for r in ledger.entries(db, PAT) if r.owner_id == victim.id).state == (
        "unreachable"
    )
    sweep(api, db, _at("2019-04-01T09:30"))  # Monday: the planning digest
    digest = next(c for c in api.sent() if c.params["text"].startswith("📋"))
    assert victim.name in digest.params["text"]


def test_a_429_is_waited_out_and_the_reminder_goes_once(db: Engine, api: FakeBotApi) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1, times=2)
    at = _at("2019-03-27T09:00")
    report = sweep(api, db, at)
    assert report.failed == 0 and report.sent == len(ledger.entries(db, PAT))
    assert sum(1 for c in api.calls if c.status == 429) == 2
    assert max(Counter(c.params["chat_id"] for c in api.sent()).values()) == 1


def test_remind_dry_run_json_has_the_documented_shape(db: Engine) -> None:
    due = ledger.due_at(db, PAT, _at("2019-03-27T09:00"))
    from app.operations import _reminder_json

    doc = json.loads(json.dumps([_reminder_json(r) for r in due.pending]))
    assert {"owner", "kind", "period", "indicators"} <= set(doc[0])


def test_a_due_soon_reminder_links_each_indicator_to_its_row_in_the_synced_workbook(
    db: Engine, tmp_path: Path
) -> None:
    workbook = XlsxWorkbook(tmp_path / "pat.xlsx")
    init_workbook(db, workbook, PAT)
    assert sync(db, workbook, PAT).outcome == "ok"
    march = load_workbook(workbook.path)["Marzo 2019"]
    rows = {r[0].value: r[0].row for r in march.iter_rows(min_row=3) if not r[1].value}

    due = ledger.due_at(db, PAT, _at("2019-03-27T09:00"))
    reminder, item = next(
        (r, i) for r in due.pending if r.kind is Kind.DUE_SOON for i in r.items if not i.office
    )

    file = workbook.path.resolve().as_uri()
    assert item.link == f"{file}#'Marzo 2019'!A{rows[item.indicator]}"
    text = reminder_text(reminder, year=2019, today=dt.date(2019, 3, 27))
    assert f"abrir: {item.link}" in text and "abrir: file:///" in text


@pytest.fixture
def strict() -> Iterator[FakeBotApi]:
    """The Bot API answering "chat not found" for any chat not in `known_chats`."""
    with FakeBotApi(token=TOKEN, strict_chats=True) as server:
        yield server


def _opened_the_bot(api: FakeBotApi, engine: Engine, *, except_for: int) -> None:
    """Everybody with a Telegram account has opened the bot except one person."""
    api.known_chats |= {o.telegram_id for o in list_owners(engine, PAT) if o.telegram_id} - {
        except_for
    }


def test_an_owner_who_never_opened_the_bot_is_marked_unreachable_and_not_retried(
    db: Engine, strict: FakeBotApi
) -> None:
    at = _at("2019-03-27T09:00")
    due = ledger.due_at(db, PAT, at).pending
    victim = due[0].owner
    assert victim.telegram_id is not None
    _opened_the_bot(strict, db, except_for=victim.telegram_id)

    report = sweep(strict, db, at)
    assert (report.unreachable, report.failed, report.sent) == (1, 0, len(due) - 1)
    assert next(o for o in list_owners(db, PAT) if o.id == victim.id).unreachable
    row = next(r for r in ledger.entries(db, PAT) if r.owner_id == victim.id)
    assert row.state == "unreachable" and "chat not found" in row.error.lower()

    later = sweep(strict, db, at + dt.timedelta(minutes=5))  # the next check of the same moment
    assert (later.sent, later.failed, later.already_sent) == (0, 0, len(due))
    tries = [c for c in strict.calls if c.params.get("chat_id") == victim.telegram_id]
    assert len(tries) == 1


def test_the_digests_name_who_cannot_be_reached_the_directors_only_for_their_units(
    db: Engine, strict: FakeBotApi
) -> None:
    people = list_owners(db, PAT)
    victim = next(o for o in people if o.role == "capture" and o.units == ("2.3",))
    head = next(o for o in people if o.role == "director" and o.units == ("2",))
    other_head = next(o for o in people if o.role == "director" and o.units == ("1",))
    assert victim.telegram_id is not None
    add_owner(db, PAT, name="Sin Telegram Todavía", role="capture", units=["2.4"])
    _opened_the_bot(strict, db, except_for=victim.telegram_id)

    # unpaced (rate=None): this test is about the words, not about Telegram's pace
    sweep(strict, db, _at("2019-03-27T09:00"), rate=None)  # due soon: one turns out unreachable
    sweep(strict, db, _at("2019-04-01T09:30"), rate=None)  # Monday: the planning digest
    sweep(strict, db, _at("2019-04-08T10:00"), rate=None)  # overdue: the directors' digests

    def last_to(person: OwnerView, mark: str) -> str:
        texts = [str(c.params["text"]) for c in strict.sent(person.telegram_id)]
        return next(text for text in reversed(texts) if text.startswith(mark))

    planner = next(o for o in people if o.role == "planning")
    for text in (last_to(planner, "📋"), last_to(head, "❗ Resumen")):
        out_of_reach = text.rpartition("Sin contacto por Telegram")[2]
        assert victim.name in out_of_reach and "Sin Telegram Todavía" in out_of_reach
    assert "Sin contacto" not in last_to(other_head, "❗ Resumen")


def test_remind_exits_0_when_someone_never_opened_the_bot_and_1_when_a_send_failed(
    db: Engine, strict: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("SEMAFORO_DATABASE_URL", f"sqlite:///{tmp_path / 'reminders.db'}")
    monkeypatch.setenv("SEMAFORO_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("SEMAFORO_TELEGRAM_API_URL", strict.url)
    due = ledger.due_at(db, PAT, _at("2019-03-27T09:00")).pending
    victim = due[-1].owner.telegram_id
    assert victim is not None
    _opened_the_bot(strict, db, except_for=victim)
    strict.fail_next("sendMessage", status=500, description="Internal Server Error")  # the 1st

    assert cli.main(["remind", "--at", "2019-03-27T09:00"]) == 1  # one failure: retried later
    assert "1 sin contacto, 1 fallidos" in capsys.readouterr().out
    assert cli.main(["remind", "--at", "2019-03-27T09:05"]) == 0  # only the unreachable left
    assert "1 enviados" in capsys.readouterr().out
    assert sum(1 for c in strict.calls if c.params.get("chat_id") == victim) == 1
