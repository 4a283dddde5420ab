"""The long capture CSV: valid rows land, each bad row is reported with its line and reason."""

from __future__ import annotations

import pytest

from scoring import Catalogue, Kind, MonthPlan, Unit, UnitKind
from semaforo.captures_csv import HEADER, CaptureRow, parse_captures, to_csv
from tests.unit.test_scoring_rules import ind, plan

HEAD = ",".join(HEADER)


def cat() -> Catalogue:
    return Catalogue(
        programme="t",
        name="Prueba",
        year=2019,
        units=(
            Unit("1", "DG", UnitKind.TOP, None),
            Unit("1.1", "Área", UnitKind.AREA, "1"),
            Unit("10", "Oficinas", UnitKind.OFFICE_BRANCH, None),
            Unit("OR-09", "Oficina de Representación en Ciudad de México", UnitKind.OFFICE, "10"),
        ),
        indicators=(
            ind("1.1.1", months=plan(mar=(100.0, 50.0))),
            ind("1.1.2", kind=Kind.COUNT, months=plan(mar=(4.0, 50.0))),
            ind("10.1", unit="10", office_indicator=True, months={}),
        ),
        office_months={"10.1": {"": {3: MonthPlan(100.0, 100.0)}}},
    )


def parse(*rows: str) -> tuple[list[CaptureRow], list[tuple[int, str, str]]]:
    result = parse_captures("\n".join([HEAD, *rows]) + "\n", cat())
    return result.rows, [(p.line, p.severity, p.reason) for p in result.problems]


def test_valid_ratio_and_count_rows_are_read() -> None:
    rows, problems = parse(
        '1.1.1,,2019-03,45,50,,"Se atendieron 45",https://ejemplo.mx/e.pdf',
        '1.1.2,,2019-03,,,"1,314",,',
    )
    assert problems == []
    assert rows[0].numerator == 45 and rows[0].denominator == 50 and rows[0].month == 3
    assert rows[1].value == 1314


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1.1.2,,2019-03,,,doce,,", "no es un número"),
        ("1.1.1,,2019-03,5,0,,,", "denominador es 0"),
        ("9.9.9,,2019-03,1,1,,,", "indicador desconocido"),
        ("1.1.1,,2020-03,1,1,,,", "fuera del programa"),
        ("1.1.1,,2019-13,1,1,,,", "periodo"),
        ("1.1.1,,2019-03,,5,,,", "falta numerador"),
        ("1.1.1,,2019-03,1,5,20,,", "cociente"),
        ("1.1.2,,2019-03,1,2,,,", "sin numerador"),
        ("1.1.2,,2019-03,,,-4,,", "negativo"),
        ("1.1.2,,2019-03,,,95%,,", "porcentaje"),
        ("1.1.2,,2019-03,,,N/A,,", "no es un valor"),
        ("1.1.1,OR-09,2019-03,1,1,,,", "la oficina va vacía"),
        ("10.1,,2019-03,1,1,,,", "falta la oficina"),
        ("10.1,Narnia,2019-03,1,1,,,", "oficina desconocida"),
    ],
)
def test_each_bad_row_is_rejected_with_its_line_and_reason(row: str, reason: str) -> None:
    rows, problems = parse("1.1.2,,2019-03,,,3,,", row)
    assert len(rows) == 1  # the good row still lands
    assert len(problems) == 1
    line, severity, text = problems[0]
    assert (line, severity) == (3, "error") and reason in text


def test_unknown_code_suggests_the_nearest_existing_ones() -> None:
    _, problems = parse("1.1.3,,2019-03,,,3,,")
    assert "¿quiso decir" in problems[0][2] and "1.1.1" in problems[0][2]


def test_numerator_above_denominator_is_accepted_with_a_warning() -> None:
    rows, problems = parse("1.1.1,,2019-03,12,10,,Rezago atendido,")
    assert rows[0].numerator == 12
    assert problems == [(2, "warning", problems[0][2])] and "supera" in problems[0][2]


def test_a_month_without_target_is_kept_with_a_warning() -> None:
    rows, problems = parse("1.1.1,,2019-02,1,1,,,")
    assert len(rows) == 1 and "no tiene meta programada" in problems[0][2]


def test_offices_are_found_by_code_number_or_name() -> None:
    for office in ("OR-09", "9", "09", "Ciudad de México", "ciudad de mexico"):
        rows, problems = parse(f"10.1,{office},2019-03,1,1,,,")
        assert rows[0].office == "OR-09" and problems == [], office


def test_a_repeated_row_is_rejected_pointing_at_the_first() -> None:
    rows, problems = parse("1.1.2,,2019-03,,,3,,", "1.1.2,,2019-03,,,4,,")
    assert len(rows) == 1 and problems[0][0] == 3 and "línea 2" in problems[0][2]


def test_a_file_without_the_header_is_rejected_whole() -> None:
    result = parse_captures("1.1.2,,2019-03,,,3,,\n", cat())
    assert result.rows == [] and "encabezado" in result.problems[0].reason


def test_blank_lines_and_a_byte_order_mark_are_ignored() -> None:
    result = parse_captures("\ufeff" + HEAD + "\n\n1.1.2,,2019-03,,,3,,\n,,,,,,,\n", cat())
    assert len(result.rows) == 1 and result.problems == []


def test_export_reads_back_as_the_same_rows() -> None:
    rows, _ = parse('1.1.1,,2019-03,45,50,,"con, coma",x', "1.1.2,,2019-03,,,2.5,,")
    again = parse_captures(to_csv(rows), cat())
    assert again.rows == rows
