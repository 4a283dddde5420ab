"""Approved and modified targets (metas aprobadas y modificadas), pure.

Targets are approved at the start of the year; the planning area may modify a month's target
and weight later, with a reason. A modification keeps the approved values, scoring uses the
values in force (`MonthPlan`), and every modification is kept with when and from where. Setting
a month that had no approved target (the offices' targets, which come from the planning area)
is an approval, not a modification. The workbook's «Catálogo» tab and `semaforo catalogue
modify` both go through `month_edits` and record the same `TargetChange`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from scoring import MonthPlan

COMMAND = "command"
"""The source of a modification made with `semaforo catalogue modify`; the sheet's is
`sheet:<workbook>`."""

RowKey = tuple[str, str]
"""(indicator, office): a row of targets, office '' for a central indicator or every office."""


@dataclass(frozen=True, slots=True)
class TargetChange:
    """One modification of an approved month: the approved target and weight it keeps, those in
    force before and after it (None: the month is not due), why, when and from where."""

    indicator: str
    office: str
    month: int
    approved: MonthPlan
    before: MonthPlan | None
    after: MonthPlan | None
    reason: str
    source: str
    changed_at: dt.datetime

    @property
    def from_sheet(self) -> bool:
        """Typed in the workbook's «Catálogo» tab (else: the command)."""
        return self.source.startswith("sheet")


@dataclass(frozen=True, slots=True)
class TargetBook:
    """A programme's modifications: all of them, oldest first, and which months are modified
    now (their target or weight in force is not the approved one)."""

    changes: tuple[TargetChange, ...] = ()
    modified: frozenset[tuple[str, str, int]] = frozenset()
    """(indicator, office, month) whose values in force differ from the approved ones."""

    def latest(self, indicator: str, office: str, month: int) -> TargetChange | None:
        """The last modification of a month, if any."""
        return next(
            (c for c in reversed(self.changes)
             if (c.indicator, c.office, c.month) == (indicator, office, month)),
            None,
        )  # fmt: skip

    def with_reason(self, indicator: str, office: str, reason: str) -> TargetChange | None:
        """The last modification of a row made with this reason, if any: a reason justifies
        the change it was written for, not a later one."""
        return next(
            (c for c in reversed(self.changes)
             if (c.indicator, c.office, c.reason) == (indicator, office, reason.strip())),
            None,
        )  # fmt: skip

    def in_force(self, indicator: str, months: Collection[int] | None = None) -> list[TargetChange]:
        """The modifications in force of an indicator (every office), by office and month;
        only those of `months` when given."""
        found = [
            change
            for code, office, month in sorted(self.modified)
            if code == indicator and (months is None or month in months)
            and (change := self.latest(code, office, month)) is not None
        ]  # fmt: skip
        return found

    def withdrawn(self, indicator: str, office: str) -> frozenset[int]:
        """Approved months of a row that a modification left with no target (not due)."""
        return frozenset(
            month
            for code, where, month in self.modified
            if (code, where) == (indicator, office)
            and (change := self.latest(code, where, month)) is not None
            and change.after is None
        )


@dataclass(frozen=True, slots=True)
class MonthEdit:
    """What a new plan of a row does to one of its months."""

    month: int
    before: MonthPlan | None
    """In force now (None: not due)."""
    after: MonthPlan | None
    approved: bool
    """The month has an approved target, so the edit is a modification (it needs a reason);
    otherwise it is the month's approval."""


def same(a: MonthPlan | None, b: MonthPlan | None) -> bool:
    """Whether two plans of a month agree on target and weight (the share is informative)."""
    if a is None or b is None:
        return a is b
    return (a.target, a.weight) == (b.target, b.weight)


def month_edits(
    current: Mapping[int, MonthPlan], new: Mapping[int, MonthPlan], withdrawn: Collection[int]
) -> list[MonthEdit]:
    """The months whose target or weight `new` changes, against the plan in force (`current`)
    and the approved months no longer due (`withdrawn`)."""
    return [
        MonthEdit(m, current.get(m), new.get(m), m in current or m in withdrawn)
        for m in sorted(set(current) | set(new))
        if not same(current.get(m), new.get(m))
    ]


def stale_sheet(edit: MonthEdit, latest: TargetChange | None) -> bool:
    """Whether the sheet still shows what a command modification replaced: then it is not an
    edit (the next `sheet init` writes the value in force), unless the row gives a new reason."""
    return (
        latest is not None
        and latest.source == COMMAND
        and same(edit.before, latest.after)
        and same(edit.after, latest.before)
    )
