"""When reminders go out and to whom (pure: the calendar and the plan)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from semaforo.reminders.plan import (
    Kind,
    Moment,
    Reminder,
    Timing,
    active,
    last_business_days,
    moments,
)
from semaforo.reminders.text import reminder_text
from semaforo.store.roster import OwnerView

MX = ZoneInfo("America/Mexico_City")
YEAR = moments(2019, Timing(), MX)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=MX)


def _of(kind: Kind, period: str) -> Moment:
    return next(m for m in YEAR if m.kind is kind and m.period == period)


def test_march_2019_reminders_fall_on_the_right_business_days() -> None:
    assert _of(Kind.DUE_SOON, "2019-03").at == _at("2019-03-27T09:00")
    assert _of(Kind.LAST_DAY, "2019-03").at == _at("2019-03-29T09:00")
    # deadline: 5th business day of April is Friday 5 April; the notice goes on Monday 8th
    assert _of(Kind.OVERDUE, "2019-03").at == _at("2019-04-08T09:00")
    assert _of(Kind.DIRECTOR_DIGEST, "2019-03").at == _at("2019-04-08T09:00")


def test_holidays_and_weekends_are_not_business_days() -> None:
    # 2019-12-28 and 29 are a weekend: the last three business days are 27, 30 and 31
    assert last_business_days(2019, 12, 3) == [
        dt.date(2019, 12, 27), dt.date(2019, 12, 30), dt.date(2019, 12, 31)
    ]  # fmt: skip
    # January's deadline: 4 February (Constitution Day, moved to Monday) is skipped, so the
    # 5th business day is Friday 8 February and the overdue notice goes on Monday 11th
    assert _of(Kind.OVERDUE, "2019-01").at == _at("2019-02-11T09:00")


def test_at_the_first_reminder_of_march_only_march_is_being_reminded() -> None:
    holding = active(YEAR, _at("2019-03-27T09:00"))
    assert [(m.kind, m.period) for m in holding] == [(Kind.DUE_SOON, "2019-03")]


def test_a_reminder_still_holds_a_while_later_and_is_superseded_by_the_next() -> None:
    assert [m.kind for m in active(YEAR, _at("2019-03-28T15:00"))] == [Kind.DUE_SOON]
    assert [m.kind for m in active(YEAR, _at("2019-03-29T09:00"))] == [Kind.LAST_DAY]
    assert {m.kind for m in active(YEAR, _at("2019-04-09T10:00"))} == {
        Kind.OVERDUE, Kind.DIRECTOR_DIGEST}  # fmt: skip


def test_every_moment_of_the_year_holds_for_a_while_and_weekly_digests_are_on_mondays() -> None:
    assert all(m.until > m.at for m in YEAR)
    weekly = [m for m in YEAR if m.kind is Kind.WEEKLY]
    assert len(weekly) == 52 and all(m.at.weekday() == 0 for m in weekly)
    assert len({(m.kind, m.period) for m in YEAR}) == len(YEAR)


def test_settings_move_the_moments() -> None:
    later = moments(2019, Timing(days_before=5, hour=17), MX)
    soon = next(m for m in later if m.kind is Kind.DUE_SOON and m.period == "2019-03")
    assert soon.at == _at("2019-03-25T17:00")


def test_the_message_lists_each_indicator_with_its_target_and_link() -> None:
    from semaforo.reminders.plan import Item

    owner = OwnerView(id=1, name="Ana", email=None, telegram_id=5, telegram_username=None,
                      role="capture", units=("2.3",))  # fmt: skip
    item = Item("2.3.1", "", "Solicitudes atendidas", 100.0, "percent", dt.date(2019, 4, 5),
                link="https://docs.google.com/spreadsheets/d/x/edit#gid=7&range=A12")  # fmt: skip
    text = reminder_text(Reminder(owner, Kind.DUE_SOON, "2019-03", 3, items=(item,)),
                         year=2019, today=dt.date(2019, 3, 27))  # fmt: skip
    assert text.startswith("⏰ Recordatorio: en marzo 2019 le falta capturar 1 indicador(es).")
    assert "El plazo vence el 2019-04-05." in text
    assert "• 2.3.1 Solicitudes atendidas — meta 100%" in text
    assert "abrir: https://docs.google.com/spreadsheets/d/x/edit#gid=7&range=A12" in text
