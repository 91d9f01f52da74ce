"""Bounded, friendly failures for the dashboard: a page that takes longer than PAGE_TIMEOUT
seconds, or finds the database unreachable, gets a short 503 page (plain text for CSV and
/metrics clients) instead of a hang or a bare 500; an unexpected error gets a 500 page. The log
line names the error's type only: a database error's text carries SQL and its parameters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.web import auth, templating

log = logging.getLogger(__name__)

PAGE_TIMEOUT_SECONDS = 10.0
PAGE_TIMEOUT: web.AppKey[float] = web.AppKey("page_timeout", float)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Set on a request once a streamed response has sent its headers: a failure after that can only
# cut the stream (so the client sees it as incomplete), not become an error page.
STREAMING: web.RequestKey[bool] = web.RequestKey("streaming", bool)
T = TypeVar("T")
# Tasks given up on: kept until they finish so they are not collected mid-flight.
_abandoned: set[asyncio.Task[Any]] = set()


class Slow(Exception):
    """The work did not finish in time (it goes on in the background until the driver lets
    go; nobody waits for it)."""


async def within(seconds: float, work: Coroutine[Any, Any, T]) -> T:
    """`work`'s result, or Slow after `seconds`. Unlike asyncio.timeout this returns on time
    even when a database driver is slow to honour cancellation (a stalled server)."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)
    raise Slow


def _forget(task: asyncio.Task[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not warn about it


def _plain(request: web.Request) -> bool:
    return request.path.endswith(".csv") or request.path in ("/metrics", "/healthz")


def error_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    if _plain(request):
        return web.Response(status=status, text=message + "\n", headers={"Retry-After": "30"})
    response = templating.render(
        request,
        "error.html",
        status=status,
        title=title,
        message=message,
        signed_in_as=auth.current_user(request),
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


@web.middleware
async def friendly_failures(request: web.Request, handler: Handler) -> web.StreamResponse:
    seconds = request.app.get(PAGE_TIMEOUT, PAGE_TIMEOUT_SECONDS)
    try:
        if request.path.endswith(".csv") or request.path == "/healthz":
            # An export streams for as long as it needs (its first query runs before the
            # headers are sent, so a failure there still gets a proper status); /healthz has
            # its own, shorter bound and answers in JSON.
            return await handler(request)
        return await within(seconds, _call(handler, request))
    except web.HTTPException:
        raise
    except Exception as exc:
        if request.get(STREAMING, False):
            log.warning("%s: stopped streaming after %s", request.path, type(exc).__name__)
            raise
        return _failure_page(request, exc, seconds)


def _failure_page(request: web.Request, exc: Exception, seconds: float) -> web.Response:
    if isinstance(exc, Slow):
        log.warning("%s took longer than %.0f s; answered 503", request.path, seconds)
        return error_page(
            request,
            503,
            "Taking too long",
            f"This page did not load within {seconds:.0f} seconds: the database is slow or "
            "not answering. Try again in a minute; if it persists, check the database.",
        )
    if isinstance(exc, SQLAlchemyError):
        reason = type(exc.orig).__name__ if isinstance(exc, DBAPIError) else type(exc).__name__
        log.warning("%s: the database failed (%s); answered 503", request.path, reason)
        return error_page(
            request,
            503,
            "Database unavailable",
            "The database cannot be reached right now. Try again in a minute; if it persists, "
            "check that the database is running and DATABASE_URL is right.",
        )
    # A bug: keep the traceback for us, show the operator a page.
    log.error("%s failed: %s", request.path, type(exc).__name__, exc_info=exc)
    return error_page(request, 500, "Something went wrong", "This page failed; the log says why.")


async def _call(handler: Handler, request: web.Request) -> web.StreamResponse:
    return await handler(request)
