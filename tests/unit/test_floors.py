"""The floors hold: scoring imports only the standard library, and nothing imports `app`.

import-linter's contracts in pyproject.toml (run by `./run lint`) check every layer; these two
checks are the ones no list of forbidden packages can make exhaustive."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _imports(folder: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def test_scoring_imports_only_the_standard_library_and_itself() -> None:
    outside = [
        (where, name)
        for where, name in _imports("scoring")
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "scoring"
    ]
    assert outside == []


def test_no_package_below_the_entry_points_imports_them() -> None:
    upward = [
        (where, name)
        for folder in ("semaforo", "bot", "scheduler", "sheets_sync", "scoring")
        for where, name in _imports(folder)
        if name == "app" or name.startswith("app.")
    ]
    assert upward == []
