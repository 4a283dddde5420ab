"""`semaforo demo`, behind README's first command: no account, no network, and a workbook a
person can edit and run again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook


def demo(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMAFORO_")}
    return subprocess.run([sys.executable, "-m", "app.cli", "demo", "--dir", str(folder)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip


@pytest.mark.slow
def test_the_demo_shows_every_users_view_and_picks_up_an_edit(tmp_path: Path) -> None:
    first = demo(tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "6 celdas rechazadas" in out
    assert "«Marzo 2019»!G32: «N/A»" in out and "el denominador es 0" in out
    assert "Programa Anual de Trabajo del INM 2019" in out
    assert "/status 2.3" in out and "Botones: [🟢 2.3.1]" in out
    assert "Recordatorios que saldrían el 2019-03-27 09:00" in out
    png = tmp_path / "grafica-2.3.1.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    workbook = tmp_path / "pat-inm-2019.xlsx"
    assert f"Libro de captura: {workbook}" in out

    book = load_workbook(workbook)
    book["Marzo 2019"]["G32"] = 18  # a person fixes the «N/A»
    book.save(workbook)
    second = demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "1 cambios, 5 celdas rechazadas" in second.stdout
