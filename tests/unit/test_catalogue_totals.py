"""Each area's «TOTAL DE LA PONDERACIÓN» row: recorded from the seed, and compared by
`catalogue check` with the months and weights the catalogue reads for the area."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from scoring import MonthPlan
from semaforo.catalogue.check import check, check_text
from semaforo.catalogue.files import (
    CatalogueError,
    Finding,
    ProgrammeFile,
    TotalRow,
    catalogues_root,
    load_programme,
)

PAT = load_programme("pat-inm-2019")
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_8916ee9fe9bd2c8b.txt"
ALL_YEAR = set(range(1, 13))


def _areas(programme: ProgrammeFile) -> set[str]:
    return {i.unit for i in programme.catalogue.indicators if not i.office_indicator}


def _warnings(findings: list[Finding], unit: str) -> list[str]:
    return [f.message for f in findings if f.severity == "warning" and f.code == unit]


def _with_months(
    programme: ProgrammeFile, code: str, months: dict[int, MonthPlan]
) -> ProgrammeFile:
    """A copy of the programme in which one indicator is read in other months."""
    indicators = tuple(
        dataclasses.replace(i, months=months) if i.code == code else i
        for i in programme.catalogue.indicators
    )
    catalogue = dataclasses.replace(programme.catalogue, indicators=indicators)
    return dataclasses.replace(programme, catalogue=catalogue)


# The TOTAL rows as recorded


def test_every_area_with_indicators_has_its_total_row() -> None:
    assert set(PAT.totals) == _areas(PAT)
    assert len(PAT.totals) == 38


@pytest.mark.parametrize(
    ("unit", "line", "months", "total"),
    [
        ("1.1", 174, {3, 6, 9, 12}, 100.0),
        ("1.5", 313, set(range(1, 10)), 100.0),  # January to September only
        ("2.2", 429, ALL_YEAR, 100.0),  # January included
        ("4.1", 775, ALL_YEAR - {1}, 100.0),  # January left empty
        ("5.2", 900, {3, 6, 7, 8, 9, 12}, 100.0),  # July filled, October empty
        ("6.2", 1114, ALL_YEAR, None),  # no Total printed
        ("6.4", 1191, ALL_YEAR - {1}, 100.0),
        ("7.4.2", 1399, {1, 3, 4, 6, 7, 9, 10, 12}, 100.0),
        ("9", 1571, ALL_YEAR, 100.0),
    ],
)
def test_a_total_row_records_its_months_values_total_and_seed_line(
    unit: str, line: int, months: set[int], total: float | None
) -> None:
    row = PAT.totals[unit]
    assert (row.line, set(row.months), row.total) == (line, months, total)
    assert set(row.months.values()) == {100.0}


def test_the_total_row_of_an_area_whose_rows_carry_a_name_cell_is_read_on_that_layout() -> None:
    assert PAT.totals["1.5"].layout == "name"
    assert PAT.totals["2.2"].layout == "header"


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed is not at {SEED}")
@pytest.mark.parametrize("unit", sorted(PAT.totals))
def test_each_recorded_total_row_is_what_its_seed_line_prints(unit: str) -> None:
    row = PAT.totals[unit]
    lines = SEED.read_text(encoding="utf-8").split("\n")
    cells = lines[row.line - 1].split("\t")
    assert cells[0].startswith("TOTAL")
    # the first TOTAL row after the area's heading
    heading = PAT.unit_lines[unit]
    first = next(n for n in range(heading, len(lines)) if lines[n - 1].startswith("TOTAL"))
    assert first == row.line
    first_month = 4 if row.layout == "header" else 5
    printed = {i: float(c.strip().rstrip("%")) for i, c in enumerate(cells) if i and c.strip()}
    months = {
        m: printed.pop(first_month + m - 1) for m in range(1, 13) if first_month + m - 1 in printed
    }
    total = printed.pop(first_month + 12, None)
    assert (months, total) == (row.months, row.total)
    # what is left is a surplus cell that repeats the Total (tables 2.1.2, 2.3, 7.4.3 and 9)
    assert printed in ({}, {17: row.total})


# The check against the TOTAL rows


def test_after_the_corrections_the_only_disagreement_is_the_documented_one() -> None:
    findings = check(PAT)
    assert [f for f in findings if f.severity == "error"] == []
    warnings = [f for f in findings if f.severity == "warning"]
    assert [(f.code, f.message.split(":")[0]) for f in warnings] == [("6.2", "noviembre")]
    assert "75.0%" in warnings[0].message and "línea 1114" in warnings[0].message
    assert "documentada en la lectura ambigua de 6.2.4" in warnings[0].message


def test_every_documented_disagreement_points_at_an_ambiguous_reading() -> None:
    documented = {(u, code) for u, row in PAT.totals.items() for code in row.documented.values()}
    assert documented == {("6.2", "6.2.4")}
    assert all(PAT.texts[code].ambiguous for _, code in documented)


def test_the_ambiguous_readings_left_are_printed_one_by_one_with_both_readings() -> None:
    infos = [f for f in check(PAT) if f.severity == "info"]
    assert {f.code for f in infos} == {
        "2.2.1", "2.2.2", "2.2.3", "4.1.1", "5.2.1", "5.2.2", "5.4.1.2", "6.2.4",
        "6.4.1", "6.4.2", "6.4.3", "6.4.4", "6.4.6", "9.1", "9.2",
    }  # fmt: skip
    for f in infos:
        assert re.match(r"lectura ambigua, línea \d+: ", f.message), f.message
        assert "Lectura elegida" in f.message and "Otra lectura" in f.message, f.code


def test_every_area_adds_up_month_by_month_to_its_total_row_but_the_documented_one() -> None:
    for unit, row in PAT.totals.items():
        indicators = [i for i in PAT.catalogue.indicators if i.unit == unit]
        due = {m for i in indicators for m in i.months}
        assert due == set(row.months), unit
        for month, printed in row.months.items():
            weights = sum(i.months[month].weight for i in indicators if month in i.months)
            assert weights == pytest.approx(printed, abs=0.05) or month in row.documented, unit


@pytest.mark.parametrize(
    ("code", "due", "not_due"),
    [
        ("2.2.1", {1, 2, 12}, set()),  # line 429: January is due
        ("2.2.2", {2, 4, 6, 8, 10, 12}, {3, 5, 7, 9, 11}),
        ("4.1.1", {2, 12}, {1}),  # line 775: January empty
        ("5.2.1", {7, 8}, {9}),  # line 900: July filled
        ("5.2.2", {3, 6, 9, 12}, {10}),  # quarterly (line 891), October empty (line 900)
        ("6.4.1", {7, 12}, {6}),  # line 1172: targets under July
        ("6.4.5", {2, 7, 12}, {1}),  # line 1191: January empty
    ],
)
def test_the_corrected_readings(code: str, due: set[int], not_due: set[int]) -> None:
    indicator = PAT.catalogue.indicator(code)
    assert indicator is not None
    assert due <= set(indicator.months) and not (not_due & set(indicator.months))


def test_semiannual_protection_indicators_weigh_in_the_month_the_monthly_ones_give_way() -> None:
    monthly = PAT.catalogue.indicator("6.4.5")
    assert monthly is not None
    assert monthly.months[7].weight == 11.1 and monthly.months[6].weight == 24.9


def test_a_month_the_total_row_fills_and_the_catalogue_does_not_is_reported(tmp_path: Path) -> None:
    # a test copy of the bundled folder with 5.2.2's third report read in October again
    copy = tmp_path / "pat-inm-2019"
    shutil.copytree(catalogues_root() / "pat-inm-2019", copy)
    part = copy / "units-5-6.yaml"
    text = part.read_text(encoding="utf-8")
    quarterly = "      sep: {target: 1.0, weight: 100.0}\n      dic: {target: 1.0, weight: 25.0}"
    assert text.count(quarterly) == 1
    part.write_text(text.replace(quarterly, quarterly.replace("sep:", "oct:")), encoding="utf-8")
    findings = check(load_programme("pat-inm-2019", root=tmp_path))
    assert _warnings(findings, "5.2") == [
        "septiembre: la fila TOTAL (línea 900) imprime 100.0% y el catálogo no programa "
        "ningún indicador",
        "octubre: el catálogo programa ponderaciones que suman 100.0% (5.2.2: 100.0); "
        "la fila TOTAL (línea 900) deja el mes vacío",
    ]


def test_a_month_whose_weights_differ_from_the_total_row_is_reported_with_both_sums() -> None:
    indicator = PAT.catalogue.indicator("1.1.2")
    assert indicator is not None
    months = {**indicator.months, 3: MonthPlan(target=100.0, weight=30.0)}
    assert _warnings(check(_with_months(PAT, "1.1.2", months)), "1.1") == [
        "marzo: el catálogo programa ponderaciones que suman 94.7% (1.1.2: 30.0, 1.1.3: 11.8, "
        "1.1.4: 17.6, 1.1.5: 35.3); la fila TOTAL (línea 174) imprime 100.0%; "
        "se normalizan al calificar"
    ]


def test_annual_weights_are_compared_with_the_total_column() -> None:
    indicators = tuple(
        dataclasses.replace(i, annual_weight=20.0) if i.code == "1.3.1" else i
        for i in PAT.catalogue.indicators
    )
    programme = dataclasses.replace(
        PAT, catalogue=dataclasses.replace(PAT.catalogue, indicators=indicators)
    )
    assert _warnings(check(programme), "1.3") == [
        "Total: las ponderaciones anuales suman 70.0%; la fila TOTAL (línea 246) imprime 100.0%"
    ]


def test_an_undocumented_disagreement_is_a_plain_warning_and_a_stale_note_is_reported() -> None:
    totals = {
        **PAT.totals,
        "6.2": dataclasses.replace(PAT.totals["6.2"], documented={}),
        "1.1": dataclasses.replace(PAT.totals["1.1"], documented={3: "1.1.2"}),
    }
    findings = check(dataclasses.replace(PAT, totals=totals))
    (november,) = _warnings(findings, "6.2")
    assert november.startswith("noviembre: ") and "documentada" not in november
    assert _warnings(findings, "1.1") == [
        "marzo: la fila TOTAL (línea 174) se anota como discrepante (1.1.2) pero coincide "
        "con el catálogo"
    ]


def test_a_missing_total_row_and_one_for_a_unit_without_indicators_are_reported() -> None:
    totals = {u: row for u, row in PAT.totals.items() if u != "3.1"}
    totals["2"] = TotalRow(unit="2", line=1, months={}, total=100.0)
    findings = check(dataclasses.replace(PAT, totals=totals))
    assert "no se registró la fila TOTAL del área" in _warnings(findings, "3.1")
    assert [f.code for f in findings if f.severity == "error"] == ["2"]


def test_a_programme_without_total_rows_is_checked_against_100() -> None:
    findings = check(load_programme("simide-ipam-2023"))
    assert not [f for f in findings if "TOTAL" in f.message]


# What a person reads


def test_what_catalogue_check_prints_is_spanish() -> None:
    text = check_text(PAT.id, check(PAT))
    assert text.splitlines()[-1] == (
        "pat-inm-2019: 0 errores, 1 advertencias, 16 lecturas ambiguas"
    )
    assert text.startswith("advertencia 6.2      noviembre: ")
    for english in (" the ", " and ", " reading", "Chosen", "Other", " row ", " cells "):
        assert english not in text, english


def test_a_malformed_total_row_is_refused_in_spanish(tmp_path: Path) -> None:
    folder = tmp_path / "mal"
    folder.mkdir()
    (folder / "programme.yaml").write_text(
        "id: mal\nname: Mal\nyear: 2019\nunits: [{code: '1', name: U, kind: area, parent: null}]\n"
        "totals: [{unit: '1', line: 9, months: {enero: 100.0}, total: 100.0}]\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="fila TOTAL de 1: mes desconocido «enero»"):
        load_programme("mal", root=tmp_path)
