"""Running a real PTB Application against the fake server (polling over real HTTP)."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from .server import FakeBotAPI

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def application_builder(api: FakeBotAPI) -> Any:
    """``ApplicationBuilder()`` with token, base_url and base_file_url set for ``api``.

    Typed ``Any`` because PTB's builder generics change with every option; chain more options
    (``.concurrent_updates(True)``, ``.context_types(...)``) and call ``.build()``.
    """
    return (
        ApplicationBuilder()
        .token(api.token_for_tests)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
    )


@asynccontextmanager
async def polling(
    application: AnyApplication, *, poll_timeout: float = 1.0
) -> AsyncIterator[AnyApplication]:
    """Initialize, start and poll; on exit stop polling, stop and shut down cleanly.

    A short ``poll_timeout`` keeps shutdown quick (the fake answers a long poll as soon as an
    update arrives anyway).
    """
    updater = application.updater
    if updater is None:
        raise ValueError("the application has no Updater; build it without .updater(None)")
    async with application:
        await application.start()
        await updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=poll_timeout))
        try:
            yield application
        finally:
            await updater.stop()
            await application.stop()
