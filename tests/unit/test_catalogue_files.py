"""The bundled catalogues: their counts, their consistency, and the readings they record."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import Kind, UnitKind
from semaforo.catalogue.check import check
from semaforo.catalogue.files import CatalogueError, available_programmes, load_programme

PAT = load_programme("pat-inm-2019")


def test_both_programmes_are_bundled() -> None:
    assert available_programmes() == ["pat-inm-2019", "simide-ipam-2023"]


def test_pat_2019_has_124_central_and_8_office_indicators() -> None:
    indicators = PAT.catalogue.indicators
    assert sum(not i.office_indicator for i in indicators) == 124
    assert sum(i.office_indicator for i in indicators) == 8


def test_pat_2019_has_nine_central_top_units_38_areas_and_32_offices() -> None:
    units = PAT.catalogue.units
    tops = [u for u in units if u.kind is UnitKind.TOP]
    owners = {i.unit for i in PAT.catalogue.indicators if not i.office_indicator}
    assert [u.code for u in tops] == [str(n) for n in range(1, 10)]
    assert len(owners) == 38
    assert len([u for u in units if u.kind is UnitKind.OFFICE]) == 32


@pytest.mark.parametrize("programme_id", ["pat-inm-2019", "simide-ipam-2023"])
def test_catalogue_has_no_structural_errors(programme_id: str) -> None:
    findings = check(load_programme(programme_id))
    assert [f for f in findings if f.severity == "error"] == []


def test_office_indicators_carry_no_invented_targets() -> None:
    for indicator in PAT.catalogue.indicators:
        if indicator.office_indicator:
            assert indicator.months == {} and indicator.annual_target is None


def test_the_eighth_office_indicator_from_the_files_last_line_is_there() -> None:
    assert PAT.catalogue.indicator("10.8") is not None
    assert "OPI" in (PAT.catalogue.indicator("10.8") or PAT.catalogue.indicators[0]).name


def test_every_ambiguous_reading_is_recorded_with_its_source_line() -> None:
    ambiguous = [code for code, text in PAT.texts.items() if text.ambiguous]
    assert ambiguous  # the damaged tables needed interpretation
    for code in ambiguous:
        assert all(r.startswith("línea ") for r in PAT.texts[code].interpretation), code


def test_only_the_readings_marked_ambiguous_are_its_ambiguities() -> None:
    for code, text in PAT.texts.items():
        assert set(text.ambiguities) <= set(text.interpretation), code
        assert text.ambiguous == bool(text.ambiguities), code


def test_every_due_month_has_a_positive_target_and_a_weight() -> None:
    for ind in PAT.catalogue.indicators:
        for plan in ind.months.values():
            assert plan.target > 0 and plan.weight >= 0, ind.code


def test_downtime_is_descending_and_income_is_a_count_of_pesos() -> None:
    downtime, income = PAT.catalogue.indicator("5.4.3.1"), PAT.catalogue.indicator("7.3.1")
    assert downtime is not None and downtime.direction.value == "descending"
    assert income is not None and income.kind is Kind.COUNT and income.measure == "pesos"


def test_a_malformed_catalogue_file_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "roto"
    folder.mkdir()
    (folder / "programme.yaml").write_text("id: roto\nname: [sin cerrar\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"programme\.yaml"):
        load_programme("roto", root=tmp_path)


def test_a_catalogue_with_a_wrong_kind_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mal"
    folder.mkdir()
    (folder / "programme.yaml").write_text(
        "id: mal\nname: Mal\nyear: 2019\nunits: [{code: '1', name: U, kind: area, parent: null}]\n"
        "indicators: [{code: '1.1', unit: '1', name: I, kind: porcentaje}]\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="«porcentaje» no es válido"):
        load_programme("mal", root=tmp_path)


def test_an_unknown_programme_is_refused_in_spanish_naming_the_known_ones() -> None:
    with pytest.raises(CatalogueError, match="programa desconocido «pat-2030»") as refused:
        load_programme("pat-2030")
    assert "conocidos: pat-inm-2019, simide-ipam-2023" in str(refused.value)
