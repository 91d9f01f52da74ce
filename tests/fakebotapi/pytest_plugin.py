"""pytest fixtures for the fake Bot API.

Registered suite-wide by ``pytest_plugins`` in ``tests/conftest.py``; the fixtures are named
``fake_api`` and ``fake_bot``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from .server import FakeBotAPI


@pytest.fixture(name="fake_api")
async def fake_api_fixture() -> AsyncIterator[FakeBotAPI]:
    """A running fake Bot API server, no latency, no faults, fresh per test."""
    async with FakeBotAPI() as api:
        yield api


@pytest.fixture(name="fake_bot")
async def fake_bot_fixture(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    """An initialized PTB Bot talking to ``fake_api`` over HTTP."""
    async with fake_api.bot() as bot:
        yield bot
