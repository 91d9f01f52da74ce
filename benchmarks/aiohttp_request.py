"""An aiohttp-backed ``telegram.request.BaseRequest``: the change proposed for the sending bot
(docs/benchmarks.md), here so that benchmarks.cpu can measure it side by side.

PTB keeps doing everything else (building the request, mapping error answers to RetryAfter,
Forbidden, BadRequest ...), so the dispatcher's error handling is unchanged. aiohttp's
connector takes an idle connection from a per-host deque, where httpcore's pool scans every
pooled connection on each request and each release (encode/httpcore#1035).
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    def __init__(self, connection_pool_size: int = 256, timeout: float = 5.0) -> None:
        self._limit = connection_pool_size
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self._timeout, sock_read=self._timeout
                ),
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        if request_data is not None and request_data.contains_files:
            raise NotImplementedError("file uploads: use HTTPXRequest")
        data = request_data.json_parameters if request_data is not None else None
        read = None if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            async with self._session.request(
                method,
                url,
                data=data,
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self._timeout, sock_read=read or self._timeout
                ),
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc}") from exc
