"""The report as a spreadsheet: the PDF's tables with real numbers and number formats, for
the people who work on it (openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from scoring import MONTH_KEYS, Colour
from semaforo.formatting import words
from semaforo.report.model import Figures, Report

PERCENT = '0.00" %"'
NUMBER = "#,##0.00"
WHOLE = "#,##0"
FILL = {
    Colour.GREEN: "C8E6C9", Colour.YELLOW: "FFF0B3", Colour.RED: "F8C9C4",
    Colour.EXCEEDED: "C5DCF5", Colour.MISSING: "E1BEE7",
}  # fmt: skip
Cell = str | float | int | dt.datetime | None


def _score(value: float | None) -> float | None:
    """A score as a number; an unbounded one (∞) has no cell value."""
    return None if value is None or math.isinf(value) else value


def _word(colour: Colour) -> str:
    return str(words("es")[colour])


def _sheet(
    book: Workbook, title: str, head: Sequence[str], rows: Iterable[Sequence[Cell]],
    formats: dict[int, str],
) -> Worksheet:  # fmt: skip
    """A tab with a bold header, frozen under it, formats per column (0-based) and the colour
    word's cell filled with its colour."""
    sheet: Worksheet = book.create_sheet(title)
    sheet.append(list(head))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    fills = {_word(c): PatternFill("solid", fgColor=f) for c, f in FILL.items()}
    for row in rows:
        sheet.append(list(row))
        for index, cell in enumerate(sheet[sheet.max_row]):
            if index in formats and isinstance(cell.value, int | float):
                whole = formats[index] == NUMBER and float(cell.value).is_integer()
                cell.number_format = WHOLE if whole else formats[index]
            if isinstance(cell.value, str) and cell.value in fills:
                cell.fill = fills[cell.value]
    for n, name in enumerate(head, 1):
        sheet.column_dimensions[get_column_letter(n)].width = max(10, min(60, len(name) + 4))
    return sheet


def render_xlsx(report: Report) -> bytes:
    """The report as .xlsx bytes: Unidades, Ranking, Completitud, Indicadores, Meses, Análisis,
    Correcciones."""
    book = Workbook()
    for blank in book.worksheets:
        book.remove(blank)
    _sheet(book, "Informe", ("Dato", "Valor"), (
        ("Programa", report.programme_name), ("Institución", report.institution),
        ("Periodo", report.period_words), ("Al", report.as_of.isoformat()),
        ("Capturas hasta", report.known_at.isoformat() if report.known_at else "las últimas"),
        ("Unidad", report.scope or "toda la institución"),
        ("Calificación", _score(report.root.score)), ("Color", _word(report.root.colour)),
    ), {1: PERCENT})  # fmt: skip
    _sheet(book, "Unidades", ("Clave", "Unidad", "Nivel", "Calificación", "Color",
                              "Lo que baja la calificación"),
           ([u.code, u.name, u.level, _score(u.score), _word(u.colour),
             ", ".join(c.code + (f"·{c.office}" if c.office else "") for c in u.pulls_down)]
            for u in report.units), {3: PERCENT})  # fmt: skip
    _sheet(book, "Ranking", ("Lugar", "Clave", "Unidad", "Calificación", "Color"),
           ([n, u.code, u.name, _score(u.score), _word(u.colour)]
            for n, u in enumerate(report.ranking, 1)), {3: PERCENT})  # fmt: skip
    _sheet(book, "Completitud", ("Clave", "Unidad", "A tiempo", "Tarde", "Falta", "En plazo"),
           ([c.unit, c.name, c.on_time, c.late, c.missing, c.pending]
            for c in report.completeness), {})  # fmt: skip
    figures = ("programado", "logrado", "cumplimiento", "color", "variable 1", "variable 2",
               "valor")  # fmt: skip
    _sheet(book, "Indicadores", (
        "Clave", "Unidad", "Indicador", "Descripción", "Método de cálculo", "Unidad de medida",
        "Frecuencia", "Comportamiento", "Tipo", "Acumulación", "Umbral amarillo",
        "Umbral verde", "Umbral excedido",
        *(f"Periodo: {f}" for f in figures), *(f"Acumulado: {f}" for f in figures)),
        ([s.code, s.unit, s.name, s.description, s.formula, s.measure, s.frequency,
          s.direction, s.kind,
          "; ".join(f"{n}: {'sí' if a else 'no'}" for n, a in s.accumulation),
          s.thresholds.yellow, s.thresholds.green, s.thresholds.exceeded,
          *_figures(s.period), *_figures(s.year_to_date)] for s in report.indicators),
        {10: PERCENT, 11: PERCENT, 12: PERCENT, 13: NUMBER, 14: NUMBER, 15: PERCENT,
         17: NUMBER, 18: NUMBER, 19: NUMBER, 20: NUMBER, 21: NUMBER, 22: PERCENT, 24: NUMBER,
         25: NUMBER, 26: NUMBER})  # fmt: skip
    _sheet(book, "Meses", ("Clave", "Mes", "Meta aprobada", "Meta modificada", "Programado",
                           "Logrado", "Cumplimiento", "Color", "Variable 1", "Variable 2",
                           "Valor"),
           ([s.code, MONTH_KEYS[m.month - 1], m.approved, m.target, *_figures(m.figures)]
            for s in report.indicators for m in s.months),
           {2: NUMBER, 3: NUMBER, 4: NUMBER, 5: NUMBER, 6: PERCENT, 8: NUMBER, 9: NUMBER,
            10: NUMBER})  # fmt: skip
    _sheet(book, "Análisis", ("Clave", "Mes", "Oficina", "Análisis del logro", "Evidencia"),
           ([s.code, MONTH_KEYS[n.month - 1], n.office, n.justification, n.evidence]
            for s in report.indicators for n in s.notes), {})  # fmt: skip
    _sheet(book, "Modificaciones", ("Clave", "Mes", "Oficina", "Meta aprobada",
                                    "Meta modificada", "Motivo", "Fecha"),
           ([s.code, MONTH_KEYS[c.month - 1], c.office, c.approved.target,
             c.after.target if c.after else None, c.reason,
             c.changed_at.replace(tzinfo=None)]
            for s in report.indicators for c in s.modifications),
           {3: NUMBER, 4: NUMBER, 6: "yyyy-mm-dd hh:mm"})  # fmt: skip
    _sheet(book, "Correcciones", ("Clave", "Mes", "Oficina", "Al plazo: variable 1",
                                  "Al plazo: variable 2", "Al plazo: valor",
                                  "Corregido: variable 1", "Corregido: variable 2",
                                  "Corregido: valor", "Corregido el"),
           ([s.code, MONTH_KEYS[c.month - 1], c.office, *c.at_deadline, *c.corrected,
             c.changed_at.replace(tzinfo=None)]
            for s in report.indicators for c in s.corrections),
           {3: NUMBER, 4: NUMBER, 5: NUMBER, 6: NUMBER, 7: NUMBER, 8: NUMBER,
            9: "yyyy-mm-dd hh:mm"})  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _figures(f: Figures) -> list[Cell]:
    return [f.programmed, f.achieved, _score(f.score), _word(f.colour), f.numerator,
            f.denominator, f.value]  # fmt: skip
