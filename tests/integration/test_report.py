"""The quarterly report (issue 14) as PDF and .xlsx, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from app.cli import main
from semaforo import service
from semaforo.captures_csv import parse_captures
from semaforo.formatting import status_json
from semaforo.report.model import build_report
from semaforo.report.pdf import render_pdf
from semaforo.report.xlsx import render_xlsx
from semaforo.store import captures
from semaforo.store.engine import transaction

BUNDLED = Path(__file__).parents[2] / "semaforo/catalogue/bundled"
PAT, SIMIDE = "pat-inm-2019", "simide-ipam-2023"
AS_OF = dt.date(2019, 4, 10)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _sample(engine: Engine, programme: str) -> None:
    text = (BUNDLED / programme / "sample-captures.csv").read_text(encoding="utf-8")
    service.import_captures(engine, programme, text, source="test")


def test_simide_report_shows_the_seed_figures_colours_and_thresholds(engine: Engine) -> None:
    _sample(engine, SIMIDE)
    report = build_report(engine, SIMIDE, period="2023-T4", as_of=dt.date(2024, 2, 1))
    text = _text(render_pdf(report))
    sheets = text.split("Fichas de los indicadores")[-1]
    first, second = sheets.split("2 · Porcentaje de programas")
    for shown in ("45,649", "32,822", "71.90 %", "amarillo", "Frecuencia", "anual",
                  "ascendente", "rojo: menos de 70.0 %", "verde: 95.0 % a menos de 116.0 %",
                  "Análisis del logro", "https://iie.gob.mx/estadisticas"):  # fmt: skip
        assert shown in first, shown
    assert "100.00 %" in second and "verde" in second
    assert "rojo: menos de 90.0 %" in second
    assert "variable 1: acumulable; variable 2: no acumulable" in second
    month = next(m for m in report.indicators[1].months if m.month == 12)
    assert (month.figures.numerator, month.figures.denominator) == (9.0, 9.0)
    assert "Página 3" in text and "Periodo: 2023-T4 (octubre–diciembre)" in text
    assert "Contenido" in text and "Institución" in text


def test_pat_t1_report_shows_every_unit_and_the_status_scores_in_the_spreadsheet(
    engine: Engine,
) -> None:
    _sample(engine, PAT)
    report = build_report(engine, PAT, period="2019-T1", as_of=AS_OF)
    cat = service.programme(engine, PAT).catalogue
    assert {s.code for s in report.indicators} == {i.code for i in cat.indicators}
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    rows = list(book["Unidades"].iter_rows(min_row=2, values_only=True))
    in_sheet = {row[0]: (row[3], row[4]) for row in rows}
    assert {u.code for u in cat.units} <= set(in_sheet)
    spanish = {
        "green": "verde",
        "yellow": "amarillo",
        "red": "rojo",
        "exceeded": "excedido",
        "pending": "pendiente",
        "missing": "falta",
        "none": "sin metas en el periodo",
    }
    lines = {u.code: u for u in report.units}
    for unit in cat.units:
        answer = service.status(engine, PAT, code=unit.code, period="2019-T1", as_of=AS_OF)
        doc = status_json(answer.node, period=answer.period, as_of=answer.as_of)
        assert (lines[unit.code].score, lines[unit.code].colour.value) == (
            doc["score"], doc["colour"]), unit.code  # fmt: skip
        # an .xlsx keeps 15 significant digits, as Excel does
        score = None if doc["score"] is None else pytest.approx(doc["score"], rel=1e-13)
        assert in_sheet[unit.code] == (score, spanish[doc["colour"]]), unit.code
    indicators = list(book["Indicadores"].iter_rows(min_row=2, values_only=True))
    by_code = {row[0]: row for row in indicators}
    answer = service.status(engine, PAT, code="2.3.1", period="2019-T1", as_of=AS_OF)
    assert by_code["2.3.1"][15] == pytest.approx(answer.node.score, rel=1e-13)
    cell = book["Unidades"]["D2"]
    assert isinstance(cell.value, float) and cell.number_format == '0.00" %"'


@pytest.mark.slow
def test_pat_t1_pdf_names_every_unit_and_indicator(engine: Engine) -> None:
    _sample(engine, PAT)
    report = build_report(engine, PAT, period="2019-T1", as_of=AS_OF)
    text = _text(render_pdf(report)).replace("\n", " ")
    cat = service.programme(engine, PAT).catalogue
    for unit in cat.units:
        assert unit.code in text and unit.name.split()[0] in text, unit.code
    for indicator in cat.indicators:
        assert f"{indicator.code} · " in text, indicator.code
    assert "Ranking de unidades" in text and "Oficinas de Representación" in text


def test_report_for_one_unit_keeps_to_its_subtree(engine: Engine) -> None:
    _sample(engine, PAT)
    report = build_report(engine, PAT, period="T1", as_of=AS_OF, unit="2")
    assert report.scope == "2" and report.indicators
    assert all(s.code.startswith("2.") for s in report.indicators)
    assert [c.code for c in report.charts] == ["2"]


def test_report_command_writes_both_formats_and_refuses_an_unknown_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEMAFORO_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.delenv("SEMAFORO_CONFIG", raising=False)
    common = ["report", "--programme", SIMIDE, "--period", "2023-T4", "--as-of", "2024-02-01"]
    assert main([*common, "--output", str(tmp_path / "informe.xlsx")]) == 0
    assert load_workbook(tmp_path / "informe.xlsx")["Indicadores"]["A2"].value == "1"
    assert main([*common, "--output", str(tmp_path / "informe.docx")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: formato de informe desconocido «.docx»: use .pdf o .xlsx"]
    assert main([*common, "--unit", "99", "--output", str(tmp_path / "x.pdf")]) == 2
    assert capsys.readouterr().err.startswith("error: no existe la unidad o el indicador «99»")
    assert main([*common, "--output", str(tmp_path / "nada" / "x.pdf")]) == 2
    assert capsys.readouterr().err.startswith("error: la carpeta «")
    assert not (tmp_path / "x.pdf").exists()


def _capture_at(engine: Engine, line: str, seen: dt.datetime) -> None:
    head = "indicator,office,period,numerator,denominator,value,justification,evidence\n"
    stored = service.programme(engine, SIMIDE)
    parsed = parse_captures(head + line + "\n", stored.catalogue)
    with transaction(engine) as session:
        captures.apply_captures(session=session, programme_id=SIMIDE, rows=parsed.rows,
                                source="test", seen_at=seen)  # fmt: skip


def test_a_value_corrected_after_the_deadline_shows_both_and_when(engine: Engine) -> None:
    _capture_at(engine, "1,,2023-12,,,30000,,", dt.datetime(2024, 1, 3, 18, tzinfo=dt.UTC))
    _capture_at(engine, "2,,2023-12,9,9,,,", dt.datetime(2024, 2, 1, 18, tzinfo=dt.UTC))
    _capture_at(engine, "1,,2023-12,,,32822,,", dt.datetime(2024, 3, 1, 18, tzinfo=dt.UTC))
    report = build_report(engine, SIMIDE, period="2023-T4", as_of=dt.date(2024, 4, 1))
    first = report.indicators[0]
    (fix,) = first.corrections
    assert (fix.at_deadline[2], fix.corrected[2], fix.changed_at.date()) == (
        30000.0, 32822.0, dt.date(2024, 3, 1))  # fmt: skip
    assert first.period.achieved == 32822.0
    (done,) = report.completeness
    assert (done.on_time, done.late, done.missing, done.pending) == (1, 1, 0, 0)
    text = _text(render_pdf(report)).replace("\n", " ")
    assert "Corrección (dic): al plazo 30,000; corregido 32,822 el 2024-03-01" in text
    known = build_report(engine, SIMIDE, period="2023-T4", known_at=dt.datetime(2024, 1, 20))
    assert known.indicators[0].period.achieved == 30000.0
    assert known.indicators[0].corrections == ()
    assert known.indicators[1].period.colour.value == "missing"
