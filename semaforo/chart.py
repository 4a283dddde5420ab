"""`/grafica CODE`: monthly compliance against target over the traffic-light bands, as a PNG.

`chart_series` reads the database once and scores each month of the year; `render_png` is a
pure function of the series. matplotlib is imported inside `render_png` (object-oriented API,
no pyplot, no global state), so importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from scoring import INSTITUTION, MONTH_KEYS, Colour, Period, Thresholds, evaluate
from semaforo import service
from semaforo.calendar import deadlines_for_year
from semaforo.catalogue.files import StoredProgramme
from semaforo.codes import nearest_codes, normalise_code
from semaforo.errors import UnknownCode
from semaforo.formatting import words
from semaforo.store import captures
from semaforo.store.engine import transaction

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One month: its compliance (None when there is no number) and its colour or state."""

    month: int
    score: float | None
    colour: Colour


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """A node's twelve months of one programme year, as known on `as_of`."""

    code: str
    name: str
    level: str
    year: int
    thresholds: Thresholds
    cap: float
    points: tuple[ChartPoint, ...]
    as_of: dt.date


def chart_series(
    engine: Engine, programme_id: str, code: str, *, as_of: dt.date | None = None
) -> ChartSeries:
    """Each month of the programme year scored as a single-month period, for one node.

    `code` is a unit, an indicator (an office indicator is averaged over the offices, as
    `/status` does) or "" for the institution. Months after the as-of month have no captures
    yet, so the engine calls them pending (if due) or nothing due.
    """
    stored = service.programme(engine, programme_id)
    cat = stored.catalogue
    wanted = _known_code(stored, code)
    moment = as_of or service.today(stored)
    with transaction(engine) as session:
        captured = captures.read_captures(session=session, programme_id=programme_id, year=cat.year)
    deadlines = deadlines_for_year(cat.year, stored.deadline_business_days)
    known_through = 12 if moment.year > cat.year else moment.month if moment.year == cat.year else 0
    thresholds = service.thresholds_for(stored, wanted)
    points: list[ChartPoint] = []
    name, level = cat.name, "institution"
    seen = [c for c in captured if c.month <= known_through]
    for month in range(1, 13):
        tree = evaluate(
            cat, seen, period=Period.month(cat.year, month), as_of=moment, deadlines=deadlines
        )
        node = service.find_node(tree, stored, wanted)
        name, level = node.name, node.level
        points.append(ChartPoint(month, node.score, node.colour))
    return ChartSeries(
        code=wanted, name=name, level=level, year=cat.year, thresholds=thresholds,
        cap=cat.cap, points=tuple(points), as_of=moment,
    )  # fmt: skip


def _known_code(stored: StoredProgramme, code: str) -> str:
    """The normalised code, or UnknownCode with the nearest existing ones."""
    wanted = normalise_code(code)
    if wanted in ("", "INM"):
        return INSTITUTION
    known = [u.code for u in stored.catalogue.units] + [i.code for i in stored.catalogue.indicators]
    if wanted not in known:
        raise UnknownCode(wanted, nearest_codes(wanted, known))
    return wanted


# --- drawing -----------------------------------------------------------------------------------

_MONTHS = {
    "es": MONTH_KEYS,
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_TEXTS = {
    "es": {"y": "Cumplimiento (%)", "target": "meta (100%)", "no_data": "sin datos en el año",
           "year": "Año"},
    "en": {"y": "Compliance (%)", "target": "target (100%)", "no_data": "no data for the year",
           "year": "Year"},
}  # fmt: skip

_BAND = {  # light fills behind the plot
    Colour.RED: "#fbe3e1", Colour.YELLOW: "#fff4cc",
    Colour.GREEN: "#e3f3e4", Colour.EXCEEDED: "#e1eefb",
}  # fmt: skip
_MARK = {  # markers, strong enough to read on their band
    Colour.RED: "#c62828", Colour.YELLOW: "#e0a000",
    Colour.GREEN: "#2e7d32", Colour.EXCEEDED: "#1565c0",
}  # fmt: skip
_GREY = "#6b6b6b"
_OPEN_FLOOR, _OPEN_Y, _OPEN_FILL = -16.0, -8.0, "#eeeeee"
_LABEL_BOX = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75}
_CEILING = 200.0  # above this, a point is drawn at the top with its value written on it


def render_png(series: ChartSeries, *, locale: str = "es") -> bytes:
    """The series as an 800×500 PNG; the same series gives the same bytes."""
    # matplotlib takes most of a second to import: only for a chart (start-up time)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    t, w = _TEXTS.get(locale, _TEXTS["es"]), words(locale)
    fig = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.085, 0.17, 0.885, 0.63))
    finite = [p.score for p in series.points if p.score is not None and math.isfinite(p.score)]
    top = min(max(130.0, series.thresholds.exceeded + 14, max(finite, default=0) + 12), _CEILING)
    _frame(ax, series, top, w, locale)
    legend = [(ax.axhline(100, color="#333", linestyle="--", linewidth=1.1), t["target"])]
    legend += _points(ax, series, top, w)
    if series.as_of.year == series.year and series.as_of.month < 12:
        line = ax.axvline(series.as_of.month + 0.5, color=_GREY, linestyle=":", zorder=1)
        legend.append((line, f"{w['as_of']} {series.as_of:%Y-%m-%d}"))
    if all(p.score is None for p in series.points):
        box = {"boxstyle": "round,pad=0.4", "fc": "white", "ec": _GREY, "alpha": 0.9}
        ax.text(6.5, top / 2, t["no_data"], ha="center", va="center", fontsize=14, bbox=box)
    title = _title(series)
    fig.text(0.02, 0.975, title, ha="left", va="top", fontsize=12, weight="bold")
    subtitle = f"{t['year']} {series.year} · {w['as_of']} {series.as_of:%Y-%m-%d}"
    lower = 0.045 * title.count("\n")
    fig.text(0.02, 0.925 - lower, subtitle, va="top", fontsize=9.5, color=_GREY)
    handles, labels = zip(*legend, strict=True)
    fig.legend(handles, labels, loc="lower center", ncol=len(legend), frameon=False, fontsize=8.5)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, metadata={"Software": None})
    return out.getvalue()


def _title(series: ChartSeries) -> str:
    """`CODE · name` on at most two lines, the rest ellipsized."""
    text = f"{series.code} · {series.name}" if series.code else series.name
    return "\n".join(textwrap.wrap(text, width=74, max_lines=2, placeholder=" …"))


def _frame(ax: Axes, series: ChartSeries, top: float, w: dict[object, str], locale: str) -> None:
    """Axes, month ticks and the four half-open bands, each named at the right edge."""
    th = series.thresholds
    # Below 0, a neutral strip for months with no number yet (open or future): a pending month
    # is never drawn inside the red band as if it were a 0.
    ax.axhspan(_OPEN_FLOOR, 0, color=_OPEN_FILL, linewidth=0, zorder=0)
    spans = [
        (Colour.RED, 0.0, th.yellow), (Colour.YELLOW, th.yellow, th.green),
        (Colour.GREEN, th.green, th.exceeded), (Colour.EXCEEDED, th.exceeded, top),
    ]  # fmt: skip
    for colour, low, high in spans:
        if high > low:
            ax.axhspan(low, high, color=_BAND[colour], linewidth=0, zorder=0)
        if min(high, top) - max(low, 0) >= 0.045 * top:  # room for the band's name
            middle = (max(low, 0) + min(high, top)) / 2
            ax.text(12.45, middle, w[colour], ha="right", va="center", fontsize=8,
                    color=_MARK[colour], alpha=0.8)  # fmt: skip
    ax.set_xlim(0.5, 12.5)
    ax.set_ylim(_OPEN_FLOOR, top)
    ax.set_xticks(range(1, 13), labels=list(_MONTHS.get(locale, MONTH_KEYS)))
    ax.set_ylabel(_TEXTS.get(locale, _TEXTS["es"])["y"])
    ax.tick_params(labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def _points(
    ax: Axes, series: ChartSeries, top: float, w: dict[object, str]
) -> list[tuple[Line2D, str]]:
    """Scores as a line with coloured markers; missing as ✕ at 0 (it counts as 0); pending
    (open or future) hollow in the neutral strip below 0."""
    for run in _runs(series.points):  # not-due months are skipped, gaps break the line
        ys = [_shown(p, top) for p in run]
        ax.plot([p.month for p in run], ys, color="#455a64", linewidth=1.6, zorder=3)
    for point in series.points:
        if point.score is None:
            continue
        y = _shown(point, top)
        marker = "^" if point.score > y else "o"  # ^: drawn below its real value
        colour = _MARK.get(point.colour, _GREY)
        ax.plot(point.month, y, marker=marker, ms=8, color=colour, mec="white", zorder=4)
        infinite = math.isinf(point.score)
        ax.annotate("∞" if infinite else f"{point.score:.1f}", (point.month, y), xytext=(0, 7),
                    textcoords="offset points", ha="center", fontsize=10 if infinite else 7.5,
                    zorder=5, annotation_clip=False, bbox=_LABEL_BOX)  # fmt: skip
    extra: list[tuple[Line2D, str]] = []
    states: dict[Colour, dict[str, Any]] = {
        Colour.MISSING: {"marker": "X", "markersize": 9, "color": _MARK[Colour.RED]},
        Colour.PENDING: {"marker": "o", "markersize": 8, "markerfacecolor": "white",
                         "markeredgecolor": _GREY, "markeredgewidth": 1.5},
    }  # fmt: skip
    for state, style in states.items():
        months = [p.month for p in series.points if p.colour is state]
        if months:
            y = 0.0 if state is Colour.MISSING else _OPEN_Y
            (marks,) = ax.plot(months, [y] * len(months), linestyle="none", zorder=4, **style)
            extra.append((marks, w[state]))
    return extra


def _shown(point: ChartPoint, top: float) -> float:
    """Where a score is drawn: above the axis top (or infinite), just under the top."""
    return min(point.score if point.score is not None else 0.0, top - 6)


def _runs(points: tuple[ChartPoint, ...]) -> list[list[ChartPoint]]:
    """Scored months joined by a line; a missing or pending month breaks it."""
    runs: list[list[ChartPoint]] = [[]]
    for point in points:
        if point.score is not None:
            runs[-1].append(point)
        elif point.colour in (Colour.MISSING, Colour.PENDING) and runs[-1]:
            runs.append([])
    return [run for run in runs if run]
