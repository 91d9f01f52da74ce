"""The JSON control API under ``/_control/`` (for a server running in another process).

Every answer is ``{"ok": true, "result": ...}`` or, on a bad request, HTTP 400 with
``{"ok": false, "error": "..."}``. Users and chats are referred to by id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._faults import FloodLimits
from ._params import json_response

if TYPE_CHECKING:
    from .server import FakeBotAPI

JSONDict = dict[str, Any]
Action = Callable[["FakeBotAPI", JSONDict], Any]


def _page(records: list[Any], query: Any) -> JSONDict:
    since = int(query.get("since", 0))
    limit = int(query.get("limit", 10_000))
    items = records[since : since + limit]
    return {
        "items": [r.to_json() for r in items],
        "next": since + len(items),
        "total": len(records),
    }


def _stats(api: FakeBotAPI, body: JSONDict) -> JSONDict:
    by_method: dict[str, dict[str, int]] = {}
    for (method, status), count in sorted(api.call_counts.items()):
        by_method.setdefault(method, {})[str(status)] = count
    return {
        "calls": sum(api.call_counts.values()),
        "sent": len(api.sent),
        "by_method": by_method,
        "faults_fired": dict(api.faults.fired),
        "flood_rejected": api.flood.rejected if api.flood else 0,
        "pending_updates": len(api.pending_updates),
    }


def _make_user(api: FakeBotAPI, body: JSONDict) -> JSONDict:
    return api.make_user(
        body.get("first_name", "Ana"),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code", "en"),
        user_id=body.get("id"),
        started=bool(body.get("started", False)),
    ).to_api()


def _make_group(api: FakeBotAPI, body: JSONDict) -> JSONDict:
    chat = api.make_group(
        body.get("title", "Parents"),
        admins=[api.users[int(uid)] for uid in body.get("admins", [])],
        members=[api.users[int(uid)] for uid in body.get("members", [])],
        kind=body.get("kind", "group"),
        bot_status=body.get("bot_status", "member"),
        username=body.get("username"),
    )
    return chat.to_api()


def _press_button(api: FakeBotAPI, body: JSONDict) -> JSONDict:
    message = (int(body["chat_id"]), int(body["message_id"]))
    return {
        "update_id": api.press_button(
            int(body["user_id"]), message, str(body["data"]), strict=body.get("strict", True)
        )
    }


def _add_fault(api: FakeBotAPI, body: JSONDict) -> JSONDict:
    return api.faults.add(**body).to_json()


def _clear_faults(api: FakeBotAPI, body: JSONDict) -> None:
    api.faults.clear()


def _configure(api: FakeBotAPI, body: JSONDict) -> JSONDict:
    if "latency" in body:
        low, high = body["latency"]
        api.latency = (float(low), float(high))
    if "enforce_limits" in body:
        limits = body["enforce_limits"]
        api.set_flood_limits(FloodLimits(**limits) if isinstance(limits, dict) else bool(limits))
    if "unknown_chats" in body:
        api.unknown_chats = body["unknown_chats"]
    if "privacy_mode" in body:
        api.privacy_mode = bool(body["privacy_mode"])
    return {
        "latency": list(api.latency),
        "enforce_limits": api.flood is not None,
        "unknown_chats": api.unknown_chats,
        "privacy_mode": api.privacy_mode,
    }


_ACTIONS: dict[str, Action] = {
    "reset": lambda api, body: api.reset(),
    "users": _make_user,
    "groups": _make_group,
    "send_text": lambda api, body: {
        "update_id": api.send_text(int(body["user_id"]), str(body["text"]), body.get("chat_id"))
    },
    "press_button": _press_button,
    "inject_update": lambda api, body: {"update_id": api.inject_update(body.get("update", body))},
    "add_bot_to_group": lambda api, body: {
        "update_id": api.add_bot_to_group(
            int(body["chat_id"]), int(body["by_user_id"]), as_admin=body.get("as_admin", False)
        )
    },
    "remove_bot_from_group": lambda api, body: {
        "update_id": api.remove_bot_from_group(
            int(body["chat_id"]), int(body["by_user_id"]), kicked=body.get("kicked", True)
        )
    },
    "block_bot": lambda api, body: {"update_id": api.block_bot(int(body["user_id"]))},
    "unblock_bot": lambda api, body: {"update_id": api.unblock_bot(int(body["user_id"]))},
    "deactivate_user": lambda api, body: api.deactivate_user(int(body["user_id"])),
    "migrate_group": lambda api, body: {"new_chat_id": api.migrate_group(int(body["chat_id"]))},
    "config": _configure,
}


def _action_handler(api: FakeBotAPI, action: Action) -> Callable[[web.Request], Awaitable[Any]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            body = await request.json() if request.body_exists else {}
            if not isinstance(body, dict):
                raise TypeError("the request body must be a JSON object")
            result = action(api, body)
        except (KeyError, ValueError, TypeError) as exc:
            return json_response({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, 400)
        return json_response({"ok": True, "result": result})

    return handle


def add_control_routes(app: web.Application, api: FakeBotAPI) -> None:
    async def health(request: web.Request) -> web.Response:
        return json_response(
            {"ok": True, "result": {"base_url": api.base_url, "token": api.token_for_tests}}
        )

    async def sent(request: web.Request) -> web.Response:
        return json_response({"ok": True, "result": _page(api.sent, request.query)})

    async def calls(request: web.Request) -> web.Response:
        return json_response({"ok": True, "result": _page(api.calls, request.query)})

    async def faults(request: web.Request) -> web.Response:
        rules = [rule.to_json() for rule in api.faults.rules]
        return json_response({"ok": True, "result": rules})

    router = app.router
    router.add_get("/_control/health", health)
    router.add_get("/_control/sent", sent)
    router.add_get("/_control/calls", calls)
    router.add_get("/_control/stats", _action_handler(api, _stats))
    router.add_get("/_control/faults", faults)
    router.add_post("/_control/faults", _action_handler(api, _add_fault))
    router.add_delete("/_control/faults", _action_handler(api, _clear_faults))
    for name, action in _ACTIONS.items():
        router.add_post(f"/_control/{name}", _action_handler(api, action))
