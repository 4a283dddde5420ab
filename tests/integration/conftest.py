"""Fixtures shared by the integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from semaforo import service
from semaforo.store.engine import create_schema, make_engine
from sheets_sync.sync import init_workbook
from sheets_sync.xlsx import XlsxWorkbook
from tests.fakes.bot_api import BOT_TOKEN, FakeBotApi
from tests.integration.workbooks import PAT, SAMPLE


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """The local Telegram Bot API server, with the test token."""
    with FakeBotApi(token=BOT_TOKEN) as server:
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    """The bot tests' SQLite database: the sample captures, the director and a capture person
    of 2.3 and a planner (`test_bot._people`); tests that need both databases use `engine`."""
    from tests.integration.test_bot import _people

    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(engine)
    _people(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def workbook(tmp_path: Path) -> XlsxWorkbook:
    return XlsxWorkbook(tmp_path / "pat.xlsx")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook `sheet init` builds from the PAT 2019 and its sample (built once: slow)."""
    folder = tmp_path_factory.mktemp("built")
    engine = make_engine(f"sqlite:///{folder / 'db.sqlite'}")
    create_schema(engine)
    service.import_captures(engine, PAT, SAMPLE, source="csv:sample")
    init_workbook(engine, XlsxWorkbook(folder / "pat.xlsx"), PAT)
    engine.dispose()
    return folder / "pat.xlsx"


@pytest.fixture
def ready(engine: Engine, workbook: XlsxWorkbook, built: Path) -> XlsxWorkbook:
    """The PAT 2019 with its sample captures, and a copy of the workbook built from it."""
    service.import_captures(engine, PAT, SAMPLE, source="csv:sample")
    shutil.copyfile(built, workbook.path)
    return workbook
