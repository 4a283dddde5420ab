"""The report as a PDF (reportlab's platypus; README "The quarterly report" says why).

A cover, a table of contents, the programme's name and period on every page with its number,
the traffic lights as a coloured mark with their word beside it (readable in black and white),
one chart per unit, and DejaVu Sans (bundled with matplotlib) embedded for accents and «ñ».
"""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from scoring import MONTH_KEYS, Colour, Thresholds
from semaforo.chart import render_png
from semaforo.formatting import figure, long_date, words
from semaforo.report.model import Figures, IndicatorSheet, Report, UnitLine

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARK = {
    Colour.GREEN: "#2e7d32", Colour.YELLOW: "#e0a000", Colour.RED: "#c62828",
    Colour.EXCEEDED: "#1565c0", Colour.PENDING: "#6b6b6b", Colour.MISSING: "#6a1b9a",
    Colour.NONE: "#bdbdbd",
}  # fmt: skip
PAGE = landscape(letter)
MEASURES = {"percent": "porcentaje"}


def _fonts() -> None:
    # matplotlib's own copy of DejaVu, found without importing matplotlib (it is slow to load)
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=10.5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=15, leading=19,
                             spaceBefore=4, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11, leading=14,
                             spaceBefore=10, spaceAfter=5),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=24, leading=30,
                                alignment=TA_CENTER, spaceAfter=16),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=19,
                                   alignment=TA_CENTER, spaceAfter=8),
        "contents": ParagraphStyle("contents", parent=base, fontName=BOLD, fontSize=15,
                                   leading=19, spaceAfter=8),
        "ind": ParagraphStyle("ind", parent=base, fontName=BOLD, fontSize=10.5, leading=13,
                              spaceBefore=10, spaceAfter=5),
        "sub": ParagraphStyle("sub", parent=base, fontName=BOLD, fontSize=9.5, leading=12,
                              spaceBefore=6, spaceAfter=4),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10, leading=13),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=8.5, leading=11, leftIndent=14),
    }  # fmt: skip


def percent(score: float | None) -> str:
    """`71.90 %`; `∞` for an unbounded one; `—` without a number."""
    if score is None:
        return "—"
    return "∞" if math.isinf(score) else f"{score:.2f} %"


def number(value: float | None) -> str:
    """`45,649`, `95.5`, or `—`."""
    return "—" if value is None else figure(value)


def light(colour: Colour) -> str:
    """The mark in its colour and the word beside it (Paragraph markup)."""
    return f'<font color="{MARK[colour]}">■</font> {escape(words("es")[colour])}'


def thresholds_text(t: Thresholds) -> str:
    """The bands in the SIMIDE's words: `rojo < 70.0 %; amarillo 70.0 %–94.9 %; …`."""
    return (
        f"rojo: menos de {t.yellow:.1f} %; amarillo: {t.yellow:.1f} % a menos de "
        f"{t.green:.1f} %; verde: {t.green:.1f} % a menos de {t.exceeded:.1f} %; "
        f"excedido: {t.exceeded:.1f} % o más"
    )


class _Document(BaseDocTemplate):  # type: ignore[misc]
    """Two page templates (the cover, the body with header and footer) and the TOC entries."""

    def __init__(self, out: io.BytesIO, report: Report) -> None:
        super().__init__(
            out, pagesize=PAGE, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=2 * cm,
            bottomMargin=1.6 * cm, title=f"{report.programme_name} — {report.period.label}",
            author=report.institution or report.programme_name,
        )  # fmt: skip
        self.report = report
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([
            PageTemplate(id="cover", frames=[frame]),
            PageTemplate(id="body", frames=[frame], onPage=self._decorate),
        ])  # fmt: skip

    def _decorate(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        top = PAGE[1] - 1.1 * cm
        canvas.drawString(1.5 * cm, top, self.report.programme_name)
        canvas.drawRightString(PAGE[0] - 1.5 * cm, top, f"Periodo: {self.report.period_words}")
        canvas.line(1.5 * cm, top - 4, PAGE[0] - 1.5 * cm, top - 4)
        canvas.drawRightString(PAGE[0] - 1.5 * cm, 0.9 * cm, f"Página {doc.page}")
        canvas.drawString(1.5 * cm, 0.9 * cm, "Informe trimestral de avance del programa")
        canvas.restoreState()

    def afterFlowable(self, flowable: Any) -> None:
        """Headings go to the PDF's outline; sections and units also to the contents page
        (each indicator only to the outline: 132 of them would fill pages of contents)."""
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2", "ind"):
            level = 0 if flowable.style.name == "h1" else 1
            key = f"s{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level)
            if flowable.style.name != "ind":
                self.notify("TOCEntry", (level, flowable.getPlainText(), self.page, key))


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    _fonts()
    s = _styles()
    out = io.BytesIO()
    doc = _Document(out, report)
    toc = TableOfContents()
    toc.levelStyles = [s["toc1"], s["toc2"]]
    story: list[Any] = [*_cover(report, s), NextPageTemplate("body"), PageBreak()]
    story += [Paragraph("Contenido", s["contents"]), toc, PageBreak()]
    story += _institution(report, s)
    for series in report.charts:
        story += [Paragraph(escape(f"Unidad {series.code} · {series.name}"), s["h1"])]
        story += _unit_summary(report, series.code, s)
        story += [Image(io.BytesIO(render_png(series)), width=16 * cm, height=10 * cm)]
        story += [PageBreak()]
    story += [Paragraph("Fichas de los indicadores", s["h1"])]
    for sheet in report.indicators:
        story += _indicator(sheet, report, s)
    doc.multiBuild(story)
    return out.getvalue()


def _cover(report: Report, s: dict[str, ParagraphStyle]) -> list[Any]:
    scope = f"Unidad {report.scope}" if report.scope else "Toda la institución"
    known = (
        f"Con lo capturado hasta el {report.known_at:%Y-%m-%d %H:%M}"
        if report.known_at else "Con lo capturado a la fecha del informe"
    )  # fmt: skip
    return [
        Spacer(1, 3 * cm),
        Paragraph(escape(report.institution or report.programme_name), s["subtitle"]),
        Paragraph("Informe trimestral de avance", s["title"]),
        Paragraph(escape(report.programme_name), s["subtitle"]),
        Paragraph(escape(f"Periodo: {report.period_words}"), s["subtitle"]),
        Paragraph(escape(f"{scope} · al {long_date(report.as_of)}"), s["subtitle"]),
        Paragraph(escape(known), s["subtitle"]),
        Spacer(1, 1 * cm),
        Paragraph(f"Calificación: {percent(report.root.score)} {light(report.root.colour)}",
                  s["subtitle"]),
    ]  # fmt: skip


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float], s: dict[str, ParagraphStyle],
           *, header: bool = True) -> Table:  # fmt: skip
    cells = [[c if not isinstance(c, str) else Paragraph(c, s["cell"]) for c in row]
             for row in rows]  # fmt: skip
    table = Table(cells, colWidths=[w * cm for w in widths], repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9e9e9e")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]  # fmt: skip
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eaf0")))
    table.setStyle(TableStyle(style))
    return table


def _b(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def _unit_row(line: UnitLine) -> list[str]:
    indent = "&nbsp;" * 3 * max(line.depth - 1, 0)
    return [indent + escape(line.code or "—"), escape(line.name), percent(line.score),
            light(line.colour)]  # fmt: skip


def _institution(report: Report, s: dict[str, ParagraphStyle]) -> list[Any]:
    head = [_b(h) for h in ("Clave", "Unidad", "Calificación", "Color")]
    rollup = [_unit_row(u) for u in report.units if u.level not in ("area", "office")]
    story: list[Any] = [
        Paragraph("Institución", s["h1"]),
        Paragraph(f"Calificación {percent(report.root.score)} {light(report.root.colour)}",
                  s["body"]),
        Paragraph("Concentrado por unidad", s["h2"]),
        _table([head, *rollup], (2.5, 14, 3, 3.5), s),
        Paragraph("Lo que baja la calificación", s["h2"]),
    ]  # fmt: skip
    pulls = report.units[0].pulls_down if report.units else ()
    low = [[escape(c.code), escape(c.name), percent(c.score), light(c.colour)] for c in pulls]
    story.append(
        _table([head, *low], (2.5, 14, 3, 3.5), s)
        if low
        else Paragraph("Nada: todas las unidades en verde o excedido.", s["body"])
    )
    ranking = [[str(n), escape(u.code), escape(u.name), percent(u.score), light(u.colour)]
               for n, u in enumerate(report.ranking, 1)]  # fmt: skip
    story += [
        Paragraph("Ranking de unidades", s["h2"]),
        _table([[_b("#"), *head], *ranking], (1, 2.5, 13, 3, 3.5), s),
    ]
    if report.offices is not None:
        offices = sorted(
            report.offices.children,
            key=lambda o: (-(o.score if o.score is not None else -1), o.code),
        )
        rows = [[escape(o.code), escape(o.name), percent(o.score), light(o.colour)]
                for o in offices]  # fmt: skip
        story += [Paragraph("Oficinas de Representación", s["h2"]),
                  Paragraph(f"Rama: {percent(report.offices.score)} "
                            f"{light(report.offices.colour)}", s["body"]),
                  _table([head, *rows], (2.5, 14, 3, 3.5), s)]  # fmt: skip
    done = [[escape(c.unit), escape(c.name), str(c.on_time), str(c.late), str(c.missing),
             str(c.pending)] for c in report.completeness]  # fmt: skip
    story += [Paragraph("Completitud de la captura", s["h2"]),
              _table([[_b(h) for h in ("Clave", "Unidad", "A tiempo", "Tarde", "Falta",
                                       "En plazo")], *done], (2.5, 13, 2.5, 2.5, 2.5, 2.5), s),
              PageBreak()]  # fmt: skip
    return story


def _unit_summary(report: Report, code: str, s: dict[str, ParagraphStyle]) -> list[Any]:
    line = next((u for u in report.units if u.code == code), None)
    if line is None:
        return []
    story: list[Any] = [Paragraph(f"Calificación {percent(line.score)} {light(line.colour)}",
                                  s["body"])]  # fmt: skip
    if line.pulls_down:
        rows = [[escape(c.code + ("·" + c.office if c.office else "")), escape(c.name),
                 percent(c.score), light(c.colour)] for c in line.pulls_down]  # fmt: skip
        story += [Paragraph("Lo que baja la calificación", s["sub"]),
                  _table([[_b(h) for h in ("Clave", "Nombre", "Calificación", "Color")],
                          *rows], (2.5, 14, 3, 3.5), s)]  # fmt: skip
    return [*story, Spacer(1, 0.4 * cm)]


def _indicator(sheet: IndicatorSheet, report: Report, s: dict[str, ParagraphStyle]) -> list[Any]:
    acc = "; ".join(f"{n}: {'acumulable' if a else 'no acumulable'}" for n, a in sheet.accumulation)
    ficha = [
        ["Unidad responsable", escape(f"{sheet.unit} {sheet.unit_name}")],
        ["Descripción", escape(sheet.description) or "—"],
        ["Método de cálculo", escape(sheet.formula) or "—"],
        ["Unidad de medida", escape(MEASURES.get(sheet.measure, sheet.measure)) or "—"],
        ["Frecuencia", sheet.frequency], ["Comportamiento", sheet.direction],
        ["Tipo", sheet.kind], ["Acumulación", acc],
        ["Parámetros de semaforización", thresholds_text(sheet.thresholds)],
    ]  # fmt: skip
    story: list[Any] = [
        Paragraph(escape(f"{sheet.code} · {sheet.name}"), s["ind"]),
        _table([[_b(k), v] for k, v in ficha], (5.5, 19), s, header=False),
        Spacer(1, 0.2 * cm),
    ]
    ratio = sheet.kind == "porcentaje"
    variables = ("Variable 1", "Variable 2") if ratio else ("Valor",)
    head = [_b(h) for h in ("Mes", "Meta aprobada", "Meta modificada", *variables,
                            "Programado", "Logrado", "Cumplimiento", "Color")]  # fmt: skip
    rows = [
        [
            MONTH_KEYS[m.month - 1],
            number(m.approved),
            number(m.target),
            *_variables(m.figures, ratio),
            *_result(m.figures),
        ]
        for m in sheet.months
    ]
    rows.append([_b("Trimestre" if "-T" in report.period.label else "Periodo"), "", "",
                 *_variables(sheet.period, ratio), *_result(sheet.period)])  # fmt: skip
    rows.append([_b("Acumulado al periodo"), "", "", *_variables(sheet.year_to_date, ratio),
                 *_result(sheet.year_to_date)])  # fmt: skip
    widths = (3.2, 2.6, 2.6, *([2.6] * len(variables)), 2.6, 2.6, 2.8, 3.8)
    story += [_table([head, *rows], widths, s), Spacer(1, 0.15 * cm)]
    for change in sheet.modifications:
        before = number(change.approved.target)
        after = number(change.after.target) if change.after else "sin meta"
        story.append(Paragraph(escape(
            f"Modificación de meta ({MONTH_KEYS[change.month - 1]}"
            f"{' ' + change.office if change.office else ''}): aprobada {before}, "
            f"modificada {after}; motivo: {change.reason} ({change.changed_at:%Y-%m-%d})"),
            s["body"]))  # fmt: skip
    for note in sheet.notes:
        where = f"{MONTH_KEYS[note.month - 1]}{' ' + note.office if note.office else ''}"
        if note.justification:
            story.append(Paragraph(f"<b>Análisis del logro ({where}):</b> "
                                   f"{escape(note.justification)}", s["body"]))  # fmt: skip
        if note.evidence:
            story.append(Paragraph(f"<b>Evidencia ({where}):</b> {escape(note.evidence)}",
                                   s["body"]))  # fmt: skip
    for fix in sheet.corrections:
        story.append(Paragraph(escape(
            f"Corrección ({MONTH_KEYS[fix.month - 1]}{' ' + fix.office if fix.office else ''}):"
            f" al plazo {_triple(fix.at_deadline)}; corregido {_triple(fix.corrected)} el "
            f"{fix.changed_at:%Y-%m-%d}"), s["body"]))  # fmt: skip
    return story


def _variables(f: Figures, ratio: bool) -> list[str]:
    return [number(f.numerator), number(f.denominator)] if ratio else [number(f.value)]


def _result(f: Figures) -> list[str]:
    return [number(f.programmed), number(f.achieved), percent(f.score), light(f.colour)]


def _triple(values: tuple[float | None, float | None, float | None]) -> str:
    numerator, denominator, value = values
    if value is not None:
        return number(value)
    return f"{number(numerator)} / {number(denominator)}"
