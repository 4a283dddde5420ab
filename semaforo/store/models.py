"""The database tables (SQLModel). Rows become `scoring` dataclasses in the other store modules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    """Timestamps are stored in UTC; they are shown in the programme's time zone."""
    return dt.datetime.now(dt.UTC)


class Programme(SQLModel, table=True):
    """A programme (PAT): one institution's indicators, targets and weights for one year."""

    id: str = Field(primary_key=True, max_length=64)
    name: str
    institution: str = ""
    year: int
    timezone: str = "America/Mexico_City"
    cap: float = 100.0
    threshold_yellow: float = 70.0
    threshold_green: float = 95.0
    threshold_exceeded: float = 116.0
    deadline_business_days: int = 5
    loaded_at: dt.datetime = Field(default_factory=utcnow)


class Unit(SQLModel, table=True):
    """A node of the unit tree (DG, DGA, Dirección de Área, representation office)."""

    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    code: str = Field(max_length=32)
    name: str
    kind: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, max_length=32)
    source_line: int | None = None


class Indicator(SQLModel, table=True):
    """An indicator with its annual target and weight; its months are `MonthTarget` rows."""

    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    code: str = Field(max_length=32)
    unit_code: str = Field(max_length=32)
    name: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    formula: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    kind: str = Field(max_length=8)
    direction: str = Field(default="ascending", max_length=12)
    strategic: bool = False
    office_indicator: bool = False
    annual_target: float | None = None
    annual_weight: float = 0.0
    measure: str = ""
    accumulate_numerator: bool = True
    accumulate_denominator: bool = True
    accumulate_value: bool = True
    threshold_yellow: float | None = None
    threshold_green: float | None = None
    threshold_exceeded: float | None = None
    interpretation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    """How the damaged source table was read, one line per reading (kept for reports)."""


class MonthTarget(SQLModel, table=True):
    """The approved target and weight of an indicator in a month (office '' = all), and those in
    force: the same until a modification (`TargetChange`); None when it left the month not due."""

    __table_args__ = (UniqueConstraint("programme_id", "indicator_code", "office_code", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    indicator_code: str = Field(max_length=32)
    office_code: str = Field(default="", max_length=32)
    month: int
    target: float | None
    weight: float | None
    share: float | None = None
    approved_target: float
    approved_weight: float


class TargetChange(SQLModel, table=True):
    """Append-only: every modification of an approved month's target or weight, with the
    approved values it keeps, those in force before and after it, the reason, when and the
    source (`sheet:<workbook>` or `command`)."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    indicator_code: str = Field(max_length=32, index=True)
    office_code: str = Field(default="", max_length=32)
    month: int
    approved_target: float
    approved_weight: float
    target_before: float | None = None
    weight_before: float | None = None
    target: float | None = None
    weight: float | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    source: str
    changed_at: dt.datetime = Field(default_factory=utcnow)


class Capture(SQLModel, table=True):
    """The latest known capture (realizado) of an indicator for a month; history keeps the rest."""

    __table_args__ = (
        UniqueConstraint("programme_id", "indicator_code", "office_code", "year", "month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    indicator_code: str = Field(max_length=32)
    office_code: str = Field(default="", max_length=32)
    year: int
    month: int
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)


class CaptureHistory(SQLModel, table=True):
    """Append-only: every change of a capture, with when it was seen and where it came from."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    indicator_code: str = Field(max_length=32, index=True)
    office_code: str = Field(default="", max_length=32)
    year: int
    month: int
    change: str = Field(max_length=8)  # created | changed | cleared
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str = ""
    seen_at: dt.datetime = Field(default_factory=utcnow)


class RowLink(SQLModel, table=True):
    """Where the last sync found an indicator's capture row, as a link opening the workbook there.

    Rows move when people insert rows, so each sync rewrites the links that changed.
    """

    __table_args__ = (UniqueConstraint("programme_id", "month", "indicator_code", "office_code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    month: int
    indicator_code: str = Field(max_length=32)
    office_code: str = Field(default="", max_length=32)
    link: str = Field(sa_column=Column(Text, nullable=False))


class Owner(SQLModel, table=True):
    """A person who owns units: capture staff, a director or the planning area."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    name: str
    email: str | None = None
    # Telegram ids may need more than 32 bits (Bot API docs): BIGINT on PostgreSQL.
    telegram_id: int | None = Field(default=None, index=True, sa_type=BigInteger)
    telegram_username: str | None = None
    role: str = Field(max_length=12)  # capture | director | planning
    unreachable: bool = False


class OwnerUnit(SQLModel, table=True):
    """Which units an owner answers for (and sees, with everything below them)."""

    __table_args__ = (UniqueConstraint("owner_id", "unit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    unit_code: str = Field(max_length=32)


class SyncRun(SQLModel, table=True):
    """One run of the workbook sync: when, what it read, what it changed, how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    workbook: str = ""
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    requests: int = 0
    cells_read: int = 0
    changed: int = 0
    rejected: int = 0
    outcome: str = Field(default="running", max_length=12)  # ok | failed
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Invite(SQLModel, table=True):
    """A one-time registration code for `/start CODE`; only its hash is stored.

    A new code for a person revokes their earlier ones. A code issued with `replaces_account`
    may move a person who is already registered to another Telegram account.
    """

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    replaces_account: bool = False


class StartAttempt(SQLModel, table=True):
    """A `/start CODE` that registered nobody: counted per account to throttle guessing."""

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    telegram_id: int = Field(index=True, sa_type=BigInteger)
    at: dt.datetime = Field(default_factory=utcnow)
    outcome: str = Field(max_length=24)


class Reminder(SQLModel, table=True):
    """The reminder ledger: one row per (owner, kind, period), claimed before the send.

    `state` goes claimed → sent | skipped | unreachable | failed. The unique key is what makes a
    reminder go out once: a second claim of the same (owner, kind, period) fails in the database.
    """

    __table_args__ = (UniqueConstraint("programme_id", "owner_id", "kind", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="programme.id", index=True)
    owner_id: int = Field(foreign_key="owner.id", index=True)
    kind: str = Field(max_length=24)  # due_soon | last_day | overdue | director_digest | weekly
    period: str = Field(max_length=16)  # 2019-03, or 2019-W12 for the weekly digest
    state: str = Field(default="claimed", max_length=12)
    indicators: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    claimed_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    message_id: int | None = None
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
