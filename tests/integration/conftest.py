"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.bot_api import BOT_TOKEN, FakeBotApi


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """The local Telegram Bot API server, with the test token."""
    with FakeBotApi(token=BOT_TOKEN) as server:
        yield server
