"""Bot API HTTP plumbing: parameters read the way Telegram reads them (query string, form,
multipart or JSON), and JSON responses.

PTB posts form data where complex values (reply_markup, entities, commands, scope...) are JSON
strings and numbers/booleans are their JSON text; we decode those back, except for parameters
that are text by definition (a message text "123" stays a string).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web

from ._models import ApiError, UploadedFile

JSONDict = dict[str, Any]

TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "title",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "file_id",
        "emoji",
        "photo",
        "document",
        "video",
        "audio",
        "animation",
        "voice",
        "sticker",
    }
)
_INT = re.compile(r"-?[0-9]{1,20}")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")


def decode_value(value: str) -> Any:
    """A form value as Telegram reads it: JSON objects/arrays, numbers and booleans decoded."""
    if not value:
        return value
    first = value[0]
    if first in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if first == "-" or first.isdigit():
        if _INT.fullmatch(value):
            return int(value)
        if _FLOAT.fullmatch(value):
            return float(value)
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    return value


def normalise(params: JSONDict) -> JSONDict:
    for key, value in params.items():
        if isinstance(value, str) and key not in TEXT_PARAMS:
            params[key] = decode_value(value)
    return params


async def read_params(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    """All parameters of a request (query string first, body wins) and its uploaded files."""
    params: JSONDict = dict(request.query) if request.query_string else {}
    files: dict[str, UploadedFile] = {}
    if request.body_exists:
        content_type = request.content_type
        if content_type == "multipart/form-data":
            await _read_multipart(request, params, files)
        else:
            body = await request.read()
            if content_type == "application/json":
                try:
                    decoded = json.loads(body or b"{}")
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON request body") from exc
                if not isinstance(decoded, dict):
                    raise ApiError(400, "Bad Request: JSON request body must be an object")
                params.update(decoded)
            elif body:
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return normalise(params), files


async def _read_multipart(
    request: web.Request, params: JSONDict, files: dict[str, UploadedFile]
) -> None:
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is None:
            params[part.name] = await part.text()
            continue
        data = await part.read()
        upload = UploadedFile(
            param=part.name,
            filename=part.filename,
            size=len(data),
            content_type=part.headers.get("Content-Type", "application/octet-stream"),
            data=bytes(data),
        )
        files[part.name] = upload
        params[part.name] = upload.to_json()


def json_response(body: Any, status: int = 200) -> web.Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return web.Response(body=payload, status=status, content_type="application/json")
