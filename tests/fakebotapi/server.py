"""The HTTP side of the fake Bot API: aiohttp server, latency, faults, flood limits, waiting."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web
from telegram import Bot

from ._control import add_control_routes
from ._faults import COUNTED_METHODS, REJECTING_KINDS, FaultRule, Faults, FloodLimiter, FloodLimits
from ._faults import chat_key as _chat_key
from ._models import ApiError, CallRecord, SentMessage
from ._params import json_response, read_params
from ._world import JSONDict, Request, UnknownChats, World

_TOKEN_SYNTAX = re.compile(r"[0-9]+:[A-Za-z0-9_-]{20,}")
_R = TypeVar("_R", SentMessage, CallRecord)


class FakeBotAPI(World):
    """A fake Telegram Bot API on loopback. Use as ``async with FakeBotAPI() as api:``.

    See the package docstring for the tour; every public method is documented where defined.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
        unknown_chats: UnknownChats = "create",
        enforce_limits: bool | FloodLimits = False,
        privacy_mode: bool = True,
        bot_username: str = "tipsbot_fake_bot",
        bot_first_name: str = "Tips Bot",
        record_calls: bool = True,
        callback_timeout: float | None = 15.0,
    ) -> None:
        if token is not None and not _TOKEN_SYNTAX.fullmatch(token):
            raise ValueError("token must look like a Bot API token: 123456:ABC... (20+ chars)")
        self.flood: FloodLimiter | None = None
        super().__init__(
            token=token,
            unknown_chats=unknown_chats,
            privacy_mode=privacy_mode,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            record_calls=record_calls,
            callback_timeout=callback_timeout,
        )
        self.host = host
        self.port = port
        self.latency = latency
        self.faults = Faults(seed)
        self._latency_rng = random.Random(seed ^ 0x5EED)
        self.set_flood_limits(enforce_limits)
        self._runner: web.AppRunner | None = None
        self._seen_tokens: set[str] = set()

    # -- configuration ---------------------------------------------------------------------
    def set_flood_limits(self, limits: bool | FloodLimits) -> None:
        """Enforce Telegram's flood limits (True = documented defaults) or stop enforcing."""
        if limits is True:
            limits = FloodLimits()
        self.flood = FloodLimiter(limits) if isinstance(limits, FloodLimits) else None

    def reset(self) -> None:
        """Forget the world and the records, and restart the flood windows (faults stay)."""
        super().reset()
        if self.flood is not None:
            self.flood = FloodLimiter(self.flood.limits)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._closing.clear()
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, backlog=1024)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Release long polls and hung connections, then close the server."""
        self._closing.set()
        self._wake_pollers()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (the control API lives under ``/_control/``)."""
        if self._runner is None:
            raise RuntimeError("FakeBotAPI is not running; use `async with FakeBotAPI() as api`")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def bot(self, **kwargs: Any) -> Bot:
        """A PTB Bot pointed at this server (use it as ``async with api.bot() as bot``)."""
        return Bot(
            self.token_for_tests,
            base_url=self.base_url,
            base_file_url=self.base_file_url,
            **kwargs,
        )

    # -- waiting ---------------------------------------------------------------------------
    async def wait_for(
        self,
        predicate: Callable[[SentMessage], bool] = lambda _: True,
        timeout: float = 5.0,  # noqa: ASYNC109 (mirrors asyncio.wait_for)
        *,
        since: int = 0,
    ) -> SentMessage:
        """The first sent message (from index ``since``) matching ``predicate``.

        Raises AssertionError listing what was sent (and the failed requests) on timeout.
        """
        return await self._wait(lambda: self.sent, predicate, timeout, since, "sent message")

    async def wait_for_call(
        self,
        predicate: Callable[[CallRecord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (mirrors asyncio.wait_for)
        *,
        since: int = 0,
    ) -> CallRecord:
        """Like :meth:`wait_for`, over every request (e.g. answerCallbackQuery)."""
        return await self._wait(lambda: self.calls, predicate, timeout, since, "request")

    async def _wait(
        self,
        records: Callable[[], Sequence[_R]],
        predicate: Callable[[_R], bool],
        timeout: float,  # noqa: ASYNC109
        since: int,
        what: str,
    ) -> _R:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = since
        while True:
            current = records()
            while index < len(current):
                record = current[index]
                index += 1
                if predicate(record):
                    return record
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {what} matched within {timeout} s.\n{self.dump()}")
            if self._changed is None:
                self._changed = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def dump(self, last: int = 30) -> str:
        """A readable account of what the server saw: sent messages and failed requests."""
        lines = [f"Sent ({len(self.sent)}, last {last}):"]
        lines += [f"  {record.describe()}" for record in self.sent[-last:]] or ["  (nothing)"]
        failed = [c for c in self.calls if c.status != 200 or c.fault]
        lines.append(f"Failed or faulted requests ({len(failed)}, last {last}):")
        lines += [f"  {call.describe()}" for call in failed[-last:]] or ["  (none)"]
        lines.append(f"Pending updates: {len(self._updates)}")
        return "\n".join(lines)

    # -- HTTP ------------------------------------------------------------------------------
    def _check_token(self, token: str) -> ApiError | None:
        if token == self.token or token in self._seen_tokens:
            return None
        if not _TOKEN_SYNTAX.fullmatch(token):
            return ApiError(404, "Not Found")
        if self.token is not None:
            return ApiError(401, "Unauthorized")
        self._seen_tokens.add(token)
        return None

    def _delay(self) -> float:
        low, high = self.latency
        if high <= 0:
            return 0.0
        return low if low >= high else self._latency_rng.uniform(low, high)

    async def _handle_bot(self, http: web.Request) -> web.StreamResponse:
        # The network latency is spent before the request *arrives*: Telegram decides (and its
        # flood windows count) on arrival, so requests that left evenly arrive bunched.
        method_name = http.match_info["method"]
        token_error = self._check_token(http.match_info["token"])
        entry = self._methods.get(method_name.lower())
        if token_error is None and entry is None:
            token_error = ApiError(404, "Not Found")
        params: JSONDict = {}
        files: dict[str, Any] = {}
        if token_error is None:
            try:
                params, files = await read_params(http)
            except ApiError as exc:
                token_error = exc
            except ConnectionError:  # the client went away before it finished sending
                return self._drop(http, abort=True)
        delay = self._delay()
        if delay > 0:
            await asyncio.sleep(delay)
        arrival, wall = time.monotonic(), time.time()
        if token_error is not None:
            name = entry[0] if entry is not None else method_name
            self._record_call(
                Request(name, {}, {}, arrival, wall), token_error.status, token_error.description
            )
            return json_response(token_error.envelope(), token_error.status)
        assert entry is not None
        name, handler = entry
        request = Request(name, params, files, arrival, wall)

        key = _chat_key(params.get("chat_id"))
        rule = self.faults.pick(name, key)
        flood_retry = None
        if rule is None and self.flood is not None and name in COUNTED_METHODS:
            flood_retry = self.flood.check(key, params.get("allow_paid_broadcast") is True, arrival)

        if rule is not None and rule.kind == "reset":
            self._record_call(request, 0, None, "reset")
            return self._drop(http, abort=True)
        if rule is not None and rule.kind in REJECTING_KINDS:
            error = rule.error()
            self._record_call(request, error.status, error.description, rule.kind)
            return json_response(error.envelope(), error.status)
        if flood_retry is not None:
            error = ApiError(
                429, f"Too Many Requests: retry after {flood_retry}", {"retry_after": flood_retry}
            )
            self._record_call(request, 429, error.description, "flood")
            return json_response(error.envelope(), 429)

        description: str | None = None
        try:
            if name == "getUpdates":
                result = await self._get_updates(request, http)
            else:
                result = handler(request)
        except ApiError as exc:
            status, body, description = exc.status, exc.envelope(), exc.description
        else:
            status, body = 200, {"ok": True, "result": result}

        if rule is not None:  # lost / hang: processed, but the answer never arrives
            self._record_call(request, status, description, rule.kind)
            if rule.kind == "hang":
                await self._hang(rule)
            return self._drop(http, abort=False)
        self._record_call(request, status, description)
        return json_response(body, status)

    async def _hang(self, rule: FaultRule) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), rule.hang_seconds)

    @staticmethod
    def _drop(http: web.Request, *, abort: bool) -> web.Response:
        """Close the connection without an answer; aiohttp then fails to write (and ignores it)."""
        transport = http.transport
        if transport is not None:
            if abort:
                transport.abort()
            else:
                transport.close()
        return web.Response(status=204)

    async def _get_updates(self, request: Request, http: web.Request) -> list[JSONDict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        params = request.params
        try:
            offset = int(params.get("offset") or 0)
            limit = min(max(int(params.get("limit") or 100), 1), 100)
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: wrong parameter in getUpdates") from None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(map(str, allowed)) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older poll still waiting is now terminated (409)
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            batch = self._collect(limit)
            if batch or self._closing.is_set():
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_event.wait(), min(remaining, 1.0))
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            if self.webhook is not None or http.transport is None:
                return []  # client went away or switched to a webhook

    async def _handle_file(self, http: web.Request) -> web.StreamResponse:
        token_error = self._check_token(http.match_info["token"])
        upload = self._files_by_path.get(http.match_info["path"])
        if token_error is not None or upload is None:
            return json_response(ApiError(404, "Not Found").envelope(), 404)
        return web.Response(body=upload.data, content_type=upload.content_type)
