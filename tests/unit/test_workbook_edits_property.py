"""Property: whatever people do to the capture tabs (type values, insert rows, sort or move
rows, rename tabs, duplicate a tab), every typed value lands on exactly the indicator, office
and month of the row and tab it was typed in, or is reported; nothing else lands."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import Catalogue, Kind, Unit, UnitKind
from sheets_sync import layout
from sheets_sync.parse import parse_workbook
from sheets_sync.workbook import TabSnapshot, WorkbookSnapshot
from tests.unit.test_scoring_rules import ind, plan

MONTHS = (3, 4, 5)
COLS = {h: i for i, h in enumerate(layout.CAPTURE_HEADERS)}


def catalogue() -> Catalogue:
    due = plan(mar=(100.0, 50.0), abr=(100.0, 50.0), may=(100.0, 50.0))
    counts = plan(mar=(4.0, 50.0), abr=(4.0, 50.0), may=(4.0, 50.0))
    return Catalogue(
        programme="t", name="Prueba", year=2019,
        units=(Unit("1", "DG", UnitKind.TOP, None), Unit("1.1", "Área", UnitKind.AREA, "1")),
        indicators=(ind("1.1.1", months=due), ind("1.1.2", kind=Kind.COUNT, months=counts),
                    ind("1.1.3", months=due), ind("1.1.4", kind=Kind.COUNT, months=counts)),
    )  # fmt: skip


@dataclass
class Tab:
    title: str
    month: int
    rows: list[list[str]]
    copy: bool = False


@dataclass
class Book:
    tabs: list[Tab]
    expected: dict[tuple[str, int], tuple[float | None, ...] | str] = field(default_factory=dict)
    """(code, month) -> the figures typed last, or "reported" for a bad value."""

    def snapshot(self) -> WorkbookSnapshot:
        return WorkbookSnapshot(
            tabs=tuple(TabSnapshot(t.title, i, tuple(tuple(r) for r in t.rows))
                       for i, t in enumerate(self.tabs))
        )  # fmt: skip


def fresh_book() -> Book:
    cat = catalogue()
    tabs = []
    for month in MONTHS:
        laid = layout.capture_tab(cat, month)
        rows = [["" if v is None else str(v) for v in row] for row in laid.rows]
        tabs.append(Tab(laid.title, month, rows))
    return Book(tabs)


def _data_rows(tab: Tab) -> list[int]:
    return [r for r in range(2, len(tab.rows)) if tab.rows[r] and tab.rows[r][0]]


def apply(book: Book, op: tuple[str, int, int, int]) -> None:
    kind, t, a, b = op
    tab = book.tabs[t % len(MONTHS)]
    rng = random.Random(a * 7919 + b)
    rows = _data_rows(tab)
    if kind == "type":
        r = rows[a % len(rows)]
        code = tab.rows[r][0]
        cells = tab.rows[r]
        ratio = code in ("1.1.1", "1.1.3")
        if b % 5 == 0:  # a value that cannot be read
            cells[COLS["Numerador" if ratio else "Logrado"]] = "N/A"
            book.expected[(code, tab.month)] = "reported"
        elif ratio:
            den = 10 + b % 90
            cells[COLS["Numerador"]], cells[COLS["Denominador"]] = str(b % den), str(den)
            cells[COLS["Logrado"]] = ""
            book.expected[(code, tab.month)] = (float(b % den), float(den), None)
        else:
            cells[COLS["Logrado"]] = str(b % 50)
            book.expected[(code, tab.month)] = (None, None, float(b % 50))
    elif kind == "insert":
        tab.rows.insert(2 + a % (len(tab.rows) - 1), [""] * len(layout.CAPTURE_HEADERS))
    elif kind == "sort":
        body = tab.rows[2:]
        rng.shuffle(body)
        tab.rows[2:] = body
    elif kind == "rename":
        tab.title = f"Hoja {a % 100}-{t}"
    elif kind == "duplicate" and not any(x.copy and x.month == tab.month for x in book.tabs):
        book.tabs.append(Tab(f"Copia de {tab.title}", tab.month,
                             [list(r) for r in tab.rows], copy=True))  # fmt: skip


ops = st.lists(
    st.tuples(
        st.sampled_from(["type", "type", "type", "insert", "sort", "rename", "duplicate"]),
        st.integers(0, 2),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_every_typed_value_lands_on_its_row_tab_and_month_or_is_reported(
    edits: list[tuple[str, int, int, int]],
) -> None:
    book = fresh_book()
    for op in edits:
        apply(book, op)
    parsed = parse_workbook(book.snapshot(), catalogue())

    conflicted = {t.month for t in book.tabs if t.copy}
    landed = {(k[0], k[3]): (c.numerator, c.denominator, c.value)
              for k, c in parsed.captures.items()}  # fmt: skip
    for month in conflicted:
        assert not any(m == month for _, m in landed)
        titles = [t.title for t in book.tabs if t.month == month]
        assert any(all(f"«{x}»" in p for x in titles) for p in parsed.problems), parsed.problems
    for (code, month), typed in book.expected.items():
        if month in conflicted:
            continue
        if typed == "reported":
            assert (code, month) not in landed
            tab = next(t for t in book.tabs if t.month == month and not t.copy)
            assert any(i.tab == tab.title and i.value == "N/A" for i in parsed.rejected)
        else:
            assert landed[(code, month)] == typed
    typed_keys = {k for k, v in book.expected.items() if v != "reported"}
    assert set(landed) <= typed_keys  # nothing else lands
