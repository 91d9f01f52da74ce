"""The dispatcher's HTTP transport: python-telegram-bot's `BaseRequest` over aiohttp, and
request bodies encoded once per tip.

Why: at 1000 sends a second the CPU spent per request decides whether one process keeps up.
Measured here (benchmarks.cpu, "where the time goes"): PTB's `Bot.send_message` over its
default httpx transport costs about 1.7 ms of CPU per send, raw httpx 1.2 ms, raw aiohttp
0.4 ms. PTB stays in charge of everything it is good at — turning Telegram's error answers into
`RetryAfter`, `Forbidden`, `ChatMigrated`, `BadRequest` … (so `scheduler.outcomes` is the same
for both transports) — through its public extension point, a `BaseRequest` subclass. What is
skipped for tip messages is the per-send work that never changes: serialising the same text and
keyboard (encoded once per tip and language, `encoded`), and building a `telegram.Message` from
each answer when only its id is kept (the dispatcher calls `BaseRequest.post`, which returns the
answer's `result`). Bodies go out as JSON (`RequestData.json_payload`, which PTB provides for
custom transports); files as multipart form data.

Transport errors keep the distinction `scheduler.outcomes` relies on: a request that certainly
never left (no connection could be made, or none became free in time) is raised with an
aiohttp "not sent" error as its cause; anything that failed after the request was written is
raised with the aiohttp error that says so, and is ambiguous.
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB builds every request from these; the class is documented as internal, so a test
# (tests/scheduler/test_transport.py) pins what is relied on: name, value and no files.
from telegram.request._requestparameter import RequestParameter


def _seconds(value: object, fallback: float | None) -> float | None:
    """A timeout PTB passed: a number, None (no limit) or its DEFAULT_NONE marker (ours)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return fallback


def encoded(fields: dict[str, object]) -> tuple[RequestParameter, ...]:
    """Request parameters encoded once (each value as its JSON text), for `request_for`."""
    return tuple(
        RequestParameter(name, value if isinstance(value, str) else json.dumps(value), None)
        for name, value in fields.items()
        if value is not None
    )


def request_for(chat_id: int, fields: tuple[RequestParameter, ...]) -> RequestData:
    """The request for one chat: its id plus fields that were encoded once."""
    return RequestData([RequestParameter("chat_id", str(chat_id), None), *fields])


class AiohttpRequest(BaseRequest):
    """PTB's request interface over one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        connect_timeout: float = 10.0,
        read_timeout: float = 15.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # `connect` covers waiting for a free pooled connection as well as connecting.
                timeout=aiohttp.ClientTimeout(
                    total=None, connect=self._connect_timeout, sock_read=self._read_timeout
                ),
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        body: bytes | aiohttp.FormData | None = None
        headers: dict[str, str] | None = None
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            body = request_data.json_payload
            headers = {"Content-Type": "application/json"}
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, None)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=max(connect or 0.0, pool or 0.0) or None,
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutError subclasses
            raise TimedOut(f"aiohttp: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {type(exc).__name__}: {exc}") from exc
