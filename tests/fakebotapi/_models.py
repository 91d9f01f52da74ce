"""The fake server's world (users, chats) and its records (sent messages, calls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

PRIVATE = "private"
GROUP = "group"
SUPERGROUP = "supergroup"

# Bot API `ChatMember.status` values.
CREATOR = "creator"
ADMINISTRATOR = "administrator"
MEMBER = "member"
LEFT = "left"
KICKED = "kicked"


class ApiError(Exception):
    """A Bot API error response: HTTP status = ``error_code``, Telegram's description."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def envelope(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(slots=True)
class FakeUser:
    """A Telegram user the tests act as. ``id`` is also their private chat's id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data


@dataclass(slots=True)
class FakeChat:
    """A chat as the server sees it, with the bot's and the members' standing in it.

    ``bot_status`` is the bot's ChatMember status: in a private chat ``kicked`` means the user
    blocked the bot. ``members`` maps user id -> status (groups only).
    """

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = MEMBER
    deactivated: bool = False
    migrated_to: int | None = None
    migrated_from: int | None = None
    last_message_id: int = 0

    @property
    def is_private(self) -> bool:
        return self.type == PRIVATE

    @property
    def blocked(self) -> bool:
        """Private chat whose user blocked the bot."""
        return self.is_private and self.bot_status == KICKED

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.username is not None:
            data["username"] = self.username
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name is not None:
                data["last_name"] = self.user.last_name
            if self.user.username is not None:
                data["username"] = self.user.username
        return data


@dataclass(slots=True, frozen=True)
class UploadedFile:
    """A file part of a multipart request (the bytes are kept for getFile/downloads)."""

    param: str
    filename: str
    size: int
    content_type: str
    data: bytes = field(repr=False)

    def to_json(self) -> JSONDict:
        return {"file": self.filename, "size": self.size, "content_type": self.content_type}


@dataclass(slots=True)
class SentMessage:
    """One message-producing request the server accepted (a send or an edit): ground truth.

    ``text``/``caption`` are the parameters exactly as sent (markup included); ``result`` is the
    Message object returned, so ``result["text"]`` is the text after parsing, as users see it.
    ``monotonic``/``wall_time`` are taken when the request arrived (before simulated latency).
    """

    index: int
    method: str
    chat_id: int
    message_id: int
    text: str | None
    caption: str | None
    parse_mode: str | None
    reply_markup: JSONDict | None
    link_preview_options: JSONDict | None
    allow_paid_broadcast: bool
    params: JSONDict
    monotonic: float
    wall_time: float
    result: JSONDict

    @property
    def is_edit(self) -> bool:
        return self.method.startswith("edit")

    @property
    def plain_text(self) -> str:
        """Text or caption as displayed (entities removed)."""
        return str(self.result.get("text", self.result.get("caption", "")))

    @property
    def button_data(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    @property
    def button_texts(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [str(b.get("text", "")) for row in rows for b in row]

    def to_json(self) -> JSONDict:
        return {
            "index": self.index,
            "method": self.method,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "text": self.text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "link_preview_options": self.link_preview_options,
            "allow_paid_broadcast": self.allow_paid_broadcast,
            "params": self.params,
            "monotonic": self.monotonic,
            "wall_time": self.wall_time,
            "result": self.result,
        }

    def describe(self) -> str:
        shown = self.text if self.text is not None else self.caption
        return (
            f"#{self.index} {self.method} chat={self.chat_id} id={self.message_id} "
            f"parse_mode={self.parse_mode} text={shown!r:.200}"
            + (f" buttons={self.button_data}" if self.reply_markup else "")
        )


@dataclass(slots=True)
class CallRecord:
    """One Bot API request: what was asked and what the server answered.

    ``status`` is the HTTP status returned; 0 when the connection was reset before processing.
    ``fault`` names the injected fault or enforced limit that shaped the answer, if any
    (``lost``/``hang`` keep the status of the processed request that never reached the client).
    """

    index: int
    method: str
    params: JSONDict
    status: int
    description: str | None
    fault: str | None
    monotonic: float
    wall_time: float

    def to_json(self) -> JSONDict:
        return {
            "index": self.index,
            "method": self.method,
            "params": self.params,
            "status": self.status,
            "description": self.description,
            "fault": self.fault,
            "monotonic": self.monotonic,
            "wall_time": self.wall_time,
        }

    def describe(self) -> str:
        fault = f" fault={self.fault}" if self.fault else ""
        detail = f" {self.description!r}" if self.description else ""
        return f"#{self.index} {self.method} -> {self.status}{detail}{fault}"
