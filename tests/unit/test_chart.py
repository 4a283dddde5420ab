"""The /grafica picture: render_png of hand-built series (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from PIL import Image

from scoring import Colour, Thresholds
from semaforo.chart import ChartPoint, ChartSeries, render_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def series(
    *scores: tuple[float | None, Colour], name: str = "Solicitudes atendidas"
) -> ChartSeries:
    padded = list(scores) + [(None, Colour.NONE)] * (12 - len(scores))
    points = tuple(ChartPoint(m, s, c) for m, (s, c) in enumerate(padded, start=1))
    return ChartSeries(
        code="2.3.1", name=name, level="indicator", year=2019, thresholds=Thresholds(),
        cap=100.0, points=points, as_of=dt.date(2019, 4, 10),
    )  # fmt: skip


def opened(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_a_year_with_scores_missing_and_pending_months_renders_as_an_800_by_500_png() -> None:
    chart = series(
        (82.0, Colour.YELLOW), (None, Colour.MISSING), (96.4, Colour.GREEN),
        (None, Colour.PENDING), (40.0, Colour.RED),
    )  # fmt: skip
    png = render_png(chart)
    assert opened(png).size == (800, 500)


def test_the_same_series_gives_the_same_bytes() -> None:
    chart = series((82.0, Colour.YELLOW), (120.0, Colour.EXCEEDED))
    assert render_png(chart) == render_png(chart)


def test_a_year_without_any_score_still_renders() -> None:
    empty = series()
    assert all(p.score is None for p in empty.points)
    assert opened(render_png(empty)).size == (800, 500)
    assert opened(render_png(empty, locale="en")).size == (800, 500)


def test_a_long_name_is_wrapped_and_still_renders() -> None:
    name = " ".join(["Porcentaje de solicitudes de trámite migratorio resueltas en tiempo"] * 5)
    assert opened(render_png(series((90.0, Colour.YELLOW), name=name))).size == (800, 500)


def test_an_infinite_score_and_an_over_achiever_are_drawn_at_the_top() -> None:
    chart = series((float("inf"), Colour.EXCEEDED), (412.0, Colour.EXCEEDED), (99.0, Colour.GREEN))
    assert opened(render_png(chart)).size == (800, 500)


def test_english_and_unknown_locales_render() -> None:
    chart = series((82.0, Colour.YELLOW), (None, Colour.MISSING))
    english, unknown = render_png(chart, locale="en"), render_png(chart, locale="fr")
    assert opened(english).size == opened(unknown).size == (800, 500)
    assert unknown == render_png(chart)  # an unknown locale falls back to Spanish
    assert english != unknown


def test_the_institution_has_no_code_in_its_title() -> None:
    chart = dataclasses.replace(series((85.8, Colour.YELLOW)), code="", level="institution")
    assert opened(render_png(chart)).size == (800, 500)


def test_custom_thresholds_with_an_empty_band_render() -> None:
    chart = dataclasses.replace(
        series((91.0, Colour.YELLOW)), thresholds=Thresholds(yellow=90.0, green=90.0, exceeded=150)
    )
    assert opened(render_png(chart)).size == (800, 500)
