"""The command line as a person runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from semaforo.catalogue.files import catalogues_root

SIMIDE_SAMPLE = catalogues_root() / "simide-ipam-2023" / "sample-captures.csv"


def semaforo(
    *args: str, db: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SEMAFORO_DATABASE_URL": f"sqlite:///{db}", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "semaforo.db"


def test_catalogue_export_lists_124_central_and_8_office_indicators(db: Path) -> None:
    assert semaforo("catalogue", "load", db=db).returncode == 0
    out = semaforo("catalogue", "export", "--json", db=db)
    doc = json.loads(out.stdout)
    indicators = doc["indicators"]
    assert doc["programme"] == "pat-inm-2019"
    assert sum(not i["office_indicator"] for i in indicators) == 124
    assert sum(i["office_indicator"] for i in indicators) == 8
    by_code = {i["code"]: i for i in indicators}
    # 1.1.2 (seed lines 163-164): quarterly, 100.0% programmed, weights 35.3 x3 and 30.0
    assert by_code["1.1.2"]["months"] == {
        "mar": {"target": 100.0, "weight": 35.3},
        "jun": {"target": 100.0, "weight": 35.3},
        "sep": {"target": 100.0, "weight": 35.3},
        "dic": {"target": 100.0, "weight": 30.0},
    }
    assert by_code["1.1.2"]["annual_weight"] == 30.0
    assert by_code["5.4.3.1"]["direction"] == "descending"
    assert by_code["5.4.3.1"]["annual_target"] == 5256
    assert {u["code"]: u["parent"] for u in doc["units"]}["2.1.1"] == "2.1"


def test_catalogue_check_reports_the_sources_irregularities_without_failing(db: Path) -> None:
    out = semaforo("catalogue", "check", db=db)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 errores" in out.stdout and "advertencias" in out.stdout
    assert not {"warning", "info"} & {line.split()[0] for line in out.stdout.splitlines()}
    # the one month in which the catalogue and a TOTAL row still disagree, documented
    assert "noviembre: el catálogo programa ponderaciones que suman 75.0%" in out.stdout
    assert "la fila TOTAL (línea 1114) imprime 100.0%" in out.stdout
    # the ambiguous readings, each with both readings, in Spanish
    ambiguous = {
        line.split()[1] for line in out.stdout.splitlines() if "lectura ambigua, línea " in line
    }
    assert {"2.2.1", "5.2.1", "6.4.1", "9.1"} <= ambiguous
    for english in ("Chosen reading", "Other reading", " the "):
        assert english not in out.stdout, english


@pytest.mark.parametrize(
    ("code", "score", "colour"), [("1", 71.9, "yellow"), ("2", 100.0, "green")]
)
def test_simide_sample_reproduces_the_reports_figures(
    db: Path, code: str, score: float, colour: str
) -> None:
    programme = ("--programme", "simide-ipam-2023")
    assert semaforo("captures", "import", str(SIMIDE_SAMPLE), *programme, db=db).returncode == 0
    out = semaforo("status", code, "--json", *programme, db=db)
    doc = json.loads(out.stdout)
    assert (round(doc["score"], 1), doc["colour"]) == (score, colour)
    text = semaforo("status", code, *programme, db=db).stdout
    assert f"{score:.1f}%" in text


def test_bad_capture_rows_are_reported_line_by_line_and_good_rows_land(
    db: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "capturas.csv"
    csv.write_text(
        "indicator,office,period,numerator,denominator,value,justification,evidence\n"
        "2.3.1,,2019-03,95,100,,,\n"
        "2.3.2,,2019-03,noventa,100,,,\n"
        "2.3.3,,2019-03,5,0,,,\n"
        "2.9.9,,2019-03,1,1,,,\n"
        "2.3.4,,2020-03,1,1,,,\n",
        encoding="utf-8",
    )
    out = semaforo("captures", "import", str(csv), db=db)
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if "rechazada" in line]
    assert [e.split(":")[1] for e in errors] == ["3", "4", "5", "6"]
    assert "no es un número" in errors[0] and "denominador es 0" in errors[1]
    assert "indicador desconocido" in errors[2] and "fuera del programa" in errors[3]
    exported = semaforo("captures", "export", db=db).stdout.splitlines()
    assert exported[1:] == ["2.3.1,,2019-03,95,100,,,"]
    again = semaforo("captures", "import", str(csv), db=db)
    assert "0 nuevas, 0 cambiadas, 1 sin cambio" in again.stdout


def test_status_of_an_unknown_code_names_the_nearest_codes(db: Path) -> None:
    out = semaforo("status", "2.3.9", db=db)
    assert out.returncode == 2 and "¿quiso decir 2.3." in out.stderr and out.stdout == ""


def test_a_bad_period_says_what_is_accepted(db: Path) -> None:
    out = semaforo("status", "2.3", "--period", "2019-T7", db=db)
    assert out.returncode == 2 and "use mar, marzo 2019, 03/2019, 2019-03, T1" in out.stderr


def test_a_bad_database_setting_is_one_clear_line(db: Path) -> None:
    out = semaforo("status", db=db, env={"SEMAFORO_DATABASE_URL": "mysql://x"})
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error: SEMAFORO_DATABASE_URL:")
    assert len(out.stderr.strip().splitlines()) == 1


def test_an_unknown_programme_lists_the_known_ones(db: Path) -> None:
    out = semaforo("catalogue", "load", "--programme", "pat-2030", db=db)
    assert out.returncode == 2 and "pat-inm-2019" in out.stderr


def test_a_missing_capture_file_is_a_clear_error(db: Path, tmp_path: Path) -> None:
    out = semaforo("captures", "import", str(tmp_path / "nada.csv"), db=db)
    assert out.returncode == 2 and "nada.csv" in out.stderr


def test_the_institution_tree_is_printed_in_spanish(db: Path) -> None:
    sample = catalogues_root() / "pat-inm-2019" / "sample-captures.csv"
    semaforo("captures", "import", str(sample), db=db)
    out = semaforo("status", "--period", "2019-T1", "--as-of", "2019-04-10", db=db)
    assert out.returncode == 0
    assert "Programa Anual de Trabajo del INM 2019" in out.stdout
    assert "2 Dirección General de Control y Verificación Migratoria" in out.stdout
    assert "Periodo 2019-T1" in out.stdout


def test_owners_are_added_listed_and_invited_from_the_command_line(db: Path) -> None:
    added = semaforo("owners", "add", "Ana Pérez", "--telegram-id", "111", "--role", "director",
                     "--units", "2.3,2.4", "--email", "ana@inm.example.mx", db=db)  # fmt: skip
    assert added.returncode == 0 and "director, unidades 2.3, 2.4" in added.stdout
    assert "Ana Pérez" in semaforo("owners", "list", db=db).stdout
    # Ana is registered: a code would move her account, so it needs --replace
    refused = semaforo("owners", "invite", "ana@inm.example.mx", db=db)
    assert refused.returncode == 2 and "--replace" in refused.stderr
    clock = {"SEMAFORO_CLOCK": "2019-03-01T09:00"}  # invitations follow the service clock
    invited = semaforo("owners", "invite", "ana@inm.example.mx", "--replace", db=db, env=clock)
    assert invited.returncode == 0 and "/start " in invited.stdout
    assert "vence el 2019-03-08 09:00" in invited.stdout
    assert "la cuenta de Telegram anterior deja de recibir" in invited.stdout
    revoked = semaforo("owners", "revoke", "ana@inm.example.mx", "--account", db=db)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == (
        "Ana Pérez: 1 código revocado; la cuenta de Telegram 111 ya no está registrada"
    )
    bad = semaforo("owners", "add", "X", "--role", "capture", "--units", "2.9", db=db)
    assert bad.returncode == 2 and "¿quiso decir" in bad.stderr


PAT_SAMPLE = catalogues_root() / "pat-inm-2019" / "sample-captures.csv"
MARCH = ("--period", "2019-03", "--as-of", "2019-04-10")


def test_a_target_modified_from_the_command_line_is_scored_keeping_the_approved_one(
    db: Path,
) -> None:
    reason = "Reprogramación por oficio DGCVM/123"
    assert semaforo("captures", "import", str(PAT_SAMPLE), db=db).returncode == 0
    before = json.loads(semaforo("status", "2.3.1", *MARCH, "--json", db=db).stdout)

    out = semaforo("catalogue", "modify", "2.3.1", "--month", "mar", "--target", "90",
                   "--reason", reason, db=db)  # fmt: skip

    assert out.returncode == 0, out.stderr
    assert "2.3.1: marzo: aprobada 100 (pond. 25) → vigente 90 (pond. 25)" in out.stdout
    after = json.loads(semaforo("status", "2.3.1", *MARCH, "--json", db=db).stdout)
    assert after["score"] == pytest.approx(before["score"] * 100 / 90)  # the same achieved
    assert (before["modified_targets"], after["programmed"]) == ([], 90.0)
    [modified] = after["modified_targets"]
    assert (modified["approved"], modified["in_force"], modified["reason"]) == (
        {"target": 100.0, "weight": 25.0}, {"target": 90.0, "weight": 25.0}, reason,
    )  # fmt: skip
    text = semaforo("status", "2.3.1", *MARCH, db=db).stdout
    assert f"aprobada 100% (pond. 25) → vigente 90% (pond. 25); motivo: «{reason}»" in text
    export = json.loads(semaforo("catalogue", "export", "--json", db=db).stdout)
    [indicator] = [i for i in export["indicators"] if i["code"] == "2.3.1"]
    assert indicator["months"]["mar"]["approved"] == {"target": 100.0, "weight": 25.0}
    assert [m["reason"] for m in indicator["modifications"]] == [reason]


def test_a_modification_without_a_reason_is_one_spanish_line_and_changes_nothing(
    db: Path,
) -> None:
    out = semaforo("catalogue", "modify", "2.3.1", "--month", "mar", "--target", "90", db=db)
    assert out.returncode == 2
    assert out.stderr == "error: falta el motivo de la modificación (--reason «…»)\n"
    export = json.loads(semaforo("catalogue", "export", "--json", db=db).stdout)
    [indicator] = [i for i in export["indicators"] if i["code"] == "2.3.1"]
    assert indicator["months"]["mar"] == {"target": 100.0, "weight": 25.0}
    assert indicator["modifications"] == []
