"""The simulated Telegram: users, chats, messages, the update queue and the Bot API methods.

Everything here is synchronous and in memory; the HTTP layer (server.py) calls the method
implementations and owns latency, faults and waiting.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ._faults import chat_key
from ._html import FormattedText, HtmlParseError, parse_html, strip_formatted, utf16_len
from ._models import (
    ADMINISTRATOR,
    CREATOR,
    GROUP,
    KICKED,
    LEFT,
    MEMBER,
    PRIVATE,
    SUPERGROUP,
    ApiError,
    CallRecord,
    FakeChat,
    FakeUser,
    SentMessage,
    UploadedFile,
)

JSONDict = dict[str, Any]
UnknownChats = Literal["create", "not_found"]
ChatRef = FakeChat | FakeUser | int
MessageRef = SentMessage | JSONDict | tuple[int, int]

DEFAULT_TOKEN = "5550001111:AAFakeBotApiToken-for_tests-0123456789"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Update types Telegram leaves out unless allowed_updates asks for them.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


@dataclass(slots=True)
class Request:
    """One Bot API request as the method implementations see it."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile]
    arrival: float  # time.monotonic() on arrival
    wall: float  # time.time() on arrival


Handler = Callable[[Request], Any]


def _int_param(params: JSONDict, name: str, missing: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or value is None:
        raise ApiError(400, f"Bad Request: {missing}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: {missing}") from None


class World:
    """State and Bot API semantics of the fake server (see the package docstring)."""

    def __init__(
        self,
        *,
        token: str | None,
        unknown_chats: UnknownChats,
        privacy_mode: bool,
        bot_username: str,
        bot_first_name: str,
        record_calls: bool,
        callback_timeout: float | None = 15.0,
    ) -> None:
        self.token = token
        self.token_for_tests = token or DEFAULT_TOKEN
        self.unknown_chats: UnknownChats = unknown_chats
        self.privacy_mode = privacy_mode
        self.record_calls = record_calls
        self.callback_timeout: float | None = callback_timeout
        self.bot_user = FakeUser(
            id=int(self.token_for_tests.split(":", 1)[0]),
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
        )
        self._bot_dict = self.bot_user.to_api()
        self._closing = asyncio.Event()
        self._update_event = asyncio.Event()
        self._changed: asyncio.Event | None = None
        self._poll_generation = 0
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getUpdates": self._true,  # served by the HTTP layer (it waits)
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._send_chat_action,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "setMyDescription": self._set_my_description,
                "getMyDescription": self._get_my_description,
                "setMyShortDescription": self._set_my_short_description,
                "getMyShortDescription": self._get_my_short_description,
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getFile": self._get_file,
            }.items()
        }
        self.reset()

    # ======================================================================================
    # State
    # ======================================================================================
    def reset(self) -> None:
        """Forget the world and the records (users, chats, messages, updates, sent, calls).

        Configuration (token, latency, limits) and fault rules stay.
        """
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self._chats_by_username: dict[str, FakeChat] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self.deleted: list[tuple[int, int]] = []
        self.sent: list[SentMessage] = []
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self.calls: list[CallRecord] = []
        self.call_counts: Counter[tuple[str, int]] = Counter()
        self._updates: deque[tuple[str, JSONDict]] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self.webhook: JSONDict | None = None
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.answered_callbacks: list[JSONDict] = []
        self.pressed_callbacks: list[str] = []  # query ids, in the order pressed
        # answerCallbackQuery calls per query id, the refused ones (a second, a late) included
        self.callback_answer_attempts: Counter[str] = Counter()
        self._open_callbacks: dict[str, float] = {}  # query id -> time.monotonic() of the press
        self._files: dict[str, tuple[str, UploadedFile]] = {}
        self._files_by_path: dict[str, UploadedFile] = {}
        self._counter = 0
        self._next_user_id = 100_001
        self._next_group_number = 1

    def _serial(self) -> int:
        self._counter += 1
        return self._counter

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates injected and not yet confirmed by a getUpdates offset."""
        return [update for _, update in self._updates]

    # -- references ------------------------------------------------------------------------
    def _user(self, user: FakeUser | int) -> FakeUser:
        if isinstance(user, FakeUser):
            return user
        found = self.users.get(user)
        if found is None:
            raise KeyError(f"unknown user {user}; create it with make_user()")
        return found

    @staticmethod
    def _chat_id(chat: ChatRef) -> int:
        if isinstance(chat, FakeChat | FakeUser):
            return chat.id
        return int(chat)

    def _chat(self, chat: ChatRef) -> FakeChat:
        chat_id = self._chat_id(chat)
        found = self.chats.get(chat_id)
        if found is not None:
            return found
        if isinstance(chat, FakeUser) or chat_id in self.users:
            return self._private_chat(self._user(chat_id))
        raise KeyError(f"unknown chat {chat_id}")

    def _private_chat(self, user: FakeUser) -> FakeChat:
        chat = self.chats.get(user.id)
        if chat is None:
            self.users.setdefault(user.id, user)
            chat = self.chats[user.id] = FakeChat(id=user.id, type=PRIVATE, user=user)
        return chat

    # ======================================================================================
    # Building the world
    # ======================================================================================
    def make_user(
        self,
        first_name: str = "Ana",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        started: bool = False,
    ) -> FakeUser:
        """A new user (ids count up from 100001).

        Their private chat exists once they write to the bot, or at once with ``started=True``
        (as if they had pressed Start earlier); it matters with ``unknown_chats="not_found"``.
        """
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        user = FakeUser(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        if started:
            self._private_chat(user)
        return user

    def make_group(
        self,
        title: str = "Parents",
        *,
        admins: Iterable[FakeUser] = (),
        members: Iterable[FakeUser] = (),
        kind: Literal["group", "supergroup"] = "group",
        bot_status: Literal["member", "administrator", "left"] = "member",
        username: str | None = None,
    ) -> FakeChat:
        """A group the bot is already in (``bot_status="left"`` to add it later with
        :meth:`add_bot_to_group`). The first admin is the creator."""
        number = self._next_group_number
        self._next_group_number += 1
        chat_id = -(1_002_000_000_000 + number) if kind == SUPERGROUP else -(400_000_000 + number)
        chat = FakeChat(id=chat_id, type=kind, title=title, username=username)
        chat.bot_status = bot_status
        for position, admin in enumerate(admins):
            self.users.setdefault(admin.id, admin)
            chat.members[admin.id] = CREATOR if position == 0 else ADMINISTRATOR
        for member in members:
            self.users.setdefault(member.id, member)
            chat.members.setdefault(member.id, MEMBER)
        self._add_chat(chat)
        return chat

    def _add_chat(self, chat: FakeChat) -> None:
        self.chats[chat.id] = chat
        if chat.username:
            self._chats_by_username[chat.username.lower()] = chat

    # ======================================================================================
    # Injecting updates (what users do)
    # ======================================================================================
    def _push_update(self, kind: str, payload: JSONDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append((kind, {"update_id": update_id, kind: payload}))
        self._wake_pollers()
        return update_id

    def _wake_pollers(self) -> None:
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    def inject_update(self, update: JSONDict) -> int:
        """Queue any update (edited_message, channel_post, ...); its update_id is assigned here."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an update has exactly one field besides update_id, got {kinds}")
        return self._push_update(kinds[0], update[kinds[0]])

    def _user_message(self, chat: FakeChat, user: FakeUser, **fields: Any) -> JSONDict:
        chat.last_message_id += 1
        message: JSONDict = {
            "message_id": chat.last_message_id,
            "from": user.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
            **fields,
        }
        self._messages[(chat.id, chat.last_message_id)] = message
        return message

    def send_text(
        self,
        user: FakeUser | int,
        text: str,
        chat: ChatRef | None = None,
        *,
        reply_to: MessageRef | None = None,
    ) -> int | None:
        """The user writes ``text`` (private chat by default); returns the update id.

        Leading commands get a bot_command entity, like Telegram. In a group with privacy mode
        on, the bot only receives commands, mentions of it and replies to it (unless it is an
        admin); for anything else nothing is delivered and None is returned.
        """
        sender = self._user(user)
        target = self._private_chat(sender) if chat is None else self._chat(chat)
        if target.blocked:
            raise ValueError(f"user {sender.id} blocked the bot; call unblock_bot() first")
        if not target.is_private:
            target.members.setdefault(sender.id, MEMBER)
        fields: JSONDict = {"text": text}
        entities: list[JSONDict] = []
        command = _COMMAND.match(text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": command.end()})
        mention = f"@{self.bot_user.username}".lower()
        mention_at = text.lower().find(mention)
        if mention_at >= 0 and not command:
            offset = utf16_len(text[:mention_at])
            entities.append({"type": "mention", "offset": offset, "length": len(mention)})
        if entities:
            fields["entities"] = entities
        replied: JSONDict | None = None
        if reply_to is not None:
            replied = self._stored(reply_to)
            fields["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        if not target.is_private and self.privacy_mode and target.bot_status != ADMINISTRATOR:
            to_bot = replied is not None and replied.get("from", {}).get("id") == self.bot_user.id
            if not (command or mention_at >= 0 or to_bot):
                self._user_message(target, sender, **fields)
                return None
        return self._push_update("message", self._user_message(target, sender, **fields))

    def _stored(self, message: MessageRef) -> JSONDict:
        if isinstance(message, SentMessage):
            key = (message.chat_id, message.message_id)
        elif isinstance(message, tuple):
            key = message
        else:
            key = (int(message["chat"]["id"]), int(message["message_id"]))
        stored = self._messages.get(key)
        if stored is None:
            raise KeyError(f"no message {key[1]} in chat {key[0]} (never sent, or deleted)")
        return stored

    def current_message(self, chat: ChatRef, message_id: int) -> JSONDict | None:
        """The message as it is now (after edits), or None if unknown/deleted."""
        return self._messages.get((self._chat_id(chat), message_id))

    def press_button(
        self, user: FakeUser | int, message: MessageRef, data: str, *, strict: bool = True
    ) -> int:
        """The user presses the inline button with ``data`` under a message; returns the update id.

        With ``strict`` the message must currently show a button with that callback_data.
        """
        presser = self._user(user)
        current = self._stored(message)
        if strict:
            rows = current.get("reply_markup", {}).get("inline_keyboard", [])
            offered = [b.get("callback_data") for row in rows for b in row]
            if data not in offered:
                raise ValueError(f"message offers no button {data!r}; its buttons: {offered}")
        query_id = f"{self.bot_user.id}{self._serial():010d}"
        self._open_callbacks[query_id] = time.monotonic()
        self.pressed_callbacks.append(query_id)
        chat_id = current["chat"]["id"]
        return self._push_update(
            "callback_query",
            {
                "id": query_id,
                "from": presser.to_api(),
                "message": current,
                "chat_instance": str(abs(chat_id) * 7919 % 10**12),
                "data": data,
            },
        )

    def _member(self, user: JSONDict, status: str) -> JSONDict:
        member: JSONDict = {"status": status, "user": user}
        if status == CREATOR:
            member["is_anonymous"] = False
        elif status == ADMINISTRATOR:
            member["is_anonymous"] = False
            member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        elif status == KICKED:
            member["until_date"] = 0
        return member

    def _my_chat_member(self, chat: FakeChat, by: FakeUser, new_status: str) -> int:
        old_status, chat.bot_status = chat.bot_status, new_status
        return self._push_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": by.to_api(),
                "date": int(time.time()),
                "old_chat_member": self._member(self._bot_dict, old_status),
                "new_chat_member": self._member(self._bot_dict, new_status),
            },
        )

    def add_bot_to_group(
        self, group: ChatRef, by: FakeUser | int, *, as_admin: bool = False
    ) -> int:
        """``by`` adds the bot: a my_chat_member update, then the new_chat_members message."""
        chat, adder = self._chat(group), self._user(by)
        chat.members.setdefault(adder.id, MEMBER)
        update_id = self._my_chat_member(chat, adder, ADMINISTRATOR if as_admin else MEMBER)
        message = self._user_message(chat, adder, new_chat_members=[self._bot_dict])
        self._push_update("message", message)
        return update_id

    def remove_bot_from_group(
        self, group: ChatRef, by: FakeUser | int, *, kicked: bool = True
    ) -> int:
        """``by`` removes the bot (status kicked, or left); later sends there get 403."""
        return self._my_chat_member(self._chat(group), self._user(by), KICKED if kicked else LEFT)

    def block_bot(self, user: FakeUser | int) -> int:
        """The user blocks the bot: my_chat_member, then sends get 403 "bot was blocked"."""
        member = self._user(user)
        return self._my_chat_member(self._private_chat(member), member, KICKED)

    def unblock_bot(self, user: FakeUser | int) -> int:
        member = self._user(user)
        return self._my_chat_member(self._private_chat(member), member, MEMBER)

    def deactivate_user(self, user: FakeUser | int) -> None:
        """The account is deleted: sends to it get 403 "user is deactivated" (no update)."""
        self._private_chat(self._user(user)).deactivated = True

    def migrate_group(self, group: ChatRef, by: FakeUser | int | None = None) -> int:
        """Upgrade a group to a supergroup; returns the new id.

        Delivers the service messages (migrate_to_chat_id in the old chat, migrate_from_chat_id
        in the new one); later sends to the old id get 400 with parameters.migrate_to_chat_id.
        """
        old = self._chat(group)
        if old.type != GROUP:
            raise ValueError(f"chat {old.id} is a {old.type}, only groups migrate")
        if by is None:
            creators = [uid for uid, status in old.members.items() if status == CREATOR]
            actor = self._user(creators[0]) if creators else self.make_user("Admin")
        else:
            actor = self._user(by)
        number = self._next_group_number
        self._next_group_number += 1
        new = FakeChat(
            id=-(1_002_000_000_000 + number),
            type=SUPERGROUP,
            title=old.title,
            members=dict(old.members),
            bot_status=old.bot_status,
            migrated_from=old.id,
        )
        self._add_chat(new)
        old.migrated_to = new.id
        if old.bot_status in (MEMBER, ADMINISTRATOR):
            self._push_update("message", self._user_message(old, actor, migrate_to_chat_id=new.id))
            self._push_update(
                "message", self._user_message(new, actor, migrate_from_chat_id=old.id)
            )
        return new.id

    # ======================================================================================
    # Reading the records
    # ======================================================================================
    def messages_to(self, chat: ChatRef, *, include_edits: bool = False) -> list[SentMessage]:
        """What the bot sent to a chat, in order (edits only with ``include_edits``)."""
        records = self._sent_by_chat.get(self._chat_id(chat), [])
        return [r for r in records if include_edits or not r.is_edit]

    def last_message(self, chat: ChatRef, *, include_edits: bool = False) -> SentMessage | None:
        records = self.messages_to(chat, include_edits=include_edits)
        return records[-1] if records else None

    def get_commands(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands set with setMyCommands for exactly that scope and language."""
        return self.commands.get((self._scope_key(scope), language_code), [])

    # ======================================================================================
    # Recording
    # ======================================================================================
    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def _record_call(
        self,
        request: Request,
        status: int,
        description: str | None = None,
        fault: str | None = None,
    ) -> None:
        self.call_counts[(request.method, status)] += 1
        if self.record_calls:
            self.calls.append(
                CallRecord(
                    index=len(self.calls),
                    method=request.method,
                    params=request.params,
                    status=status,
                    description=description,
                    fault=fault,
                    monotonic=request.arrival,
                    wall_time=request.wall,
                )
            )
        self._notify()

    def _record_sent(self, request: Request, chat_id: int, message: JSONDict) -> None:
        params = request.params

        def text_param(name: str) -> str | None:
            value = params.get(name)
            return value if isinstance(value, str) else None

        markup = params.get("reply_markup")
        preview = params.get("link_preview_options")
        record = SentMessage(
            index=len(self.sent),
            method=request.method,
            chat_id=chat_id,
            message_id=message["message_id"],
            text=text_param("text"),
            caption=text_param("caption"),
            parse_mode=text_param("parse_mode"),
            reply_markup=markup if isinstance(markup, dict) else None,
            link_preview_options=preview if isinstance(preview, dict) else None,
            allow_paid_broadcast=params.get("allow_paid_broadcast") is True,
            params=params,
            monotonic=request.arrival,
            wall_time=request.wall,
            result=message,
        )
        self.sent.append(record)
        self._sent_by_chat.setdefault(chat_id, []).append(record)

    # ======================================================================================
    # Bot API: checks shared by methods
    # ======================================================================================
    def _resolve_chat(self, value: Any) -> FakeChat:
        key = chat_key(value)
        if key is None or key == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(key, str):
            found = self._chats_by_username.get(key.lstrip("@").lower())
            if found is None or not key.startswith("@"):
                raise ApiError(400, "Bad Request: chat not found")
            return found
        chat = self.chats.get(key)
        if chat is not None:
            return chat
        user = self.users.get(key)
        if self.unknown_chats != "create":
            if user is not None:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise ApiError(400, "Bad Request: chat not found")
        if key > 0:
            return self._private_chat(user or FakeUser(key, f"User {key}"))
        kind = SUPERGROUP if key <= -1_000_000_000_000 else GROUP  # -100xxxxxxxxxx
        chat = FakeChat(id=key, type=kind, title=f"Group {key}")
        self._add_chat(chat)
        return chat

    def _chat_for(self, value: Any, *, sending: bool = True) -> FakeChat:
        """The chat a request addresses, with Telegram's refusals (migrated, blocked, kicked)."""
        chat = self._resolve_chat(value)
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.is_private:
            if sending and chat.deactivated:
                raise ApiError(403, "Forbidden: user is deactivated")
            if sending and chat.bot_status == KICKED:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        elif chat.bot_status == KICKED:
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        elif chat.bot_status == LEFT:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _format(self, raw: str, params: JSONDict, *, caption: bool) -> FormattedText:
        """Parse text/caption per parse_mode, strip it and check its length like Telegram."""
        mode_value = params.get("parse_mode")
        mode = mode_value.lower() if isinstance(mode_value, str) else ""
        if mode == "html":
            try:
                formatted = parse_html(raw)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif mode == "":
            given = params.get("caption_entities" if caption else "entities")
            formatted = FormattedText(raw, list(given) if isinstance(given, list) else [])
        elif mode in ("markdown", "markdownv2"):
            formatted = FormattedText(raw, [])  # not validated by the fake
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        formatted = strip_formatted(formatted)
        if caption and len(formatted.text) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        if not caption and len(formatted.text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return formatted

    @staticmethod
    def _check_markup(value: Any) -> JSONDict | None:
        """Validate reply_markup; returns it when it is an inline keyboard (kept on the message)."""
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = value.get("inline_keyboard")
        if rows is None:
            return None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: rows expected")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text must be non-empty",
                    )
                data = button.get("callback_data")
                if data is not None and (
                    not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return value

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        allow_missing = params.get("allow_sending_without_reply") is True
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = reply.get("allow_sending_without_reply", allow_missing) is True
        else:
            message_id = params.get("reply_to_message_id")
        if message_id is None:
            return None
        target = self._messages.get((chat.id, int(message_id)))
        if target is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _new_bot_message(self, chat: FakeChat, request: Request) -> JSONDict:
        reply = self._reply_target(chat, request.params)
        chat.last_message_id += 1
        message: JSONDict = {
            "message_id": chat.last_message_id,
            "from": self._bot_dict,
            "chat": chat.to_api(),
            "date": int(request.wall),
        }
        if reply is not None:
            message["reply_to_message"] = reply
        return message

    def _store_sent(
        self, request: Request, chat: FakeChat, message: JSONDict, markup: JSONDict | None
    ) -> JSONDict:
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat.id, message["message_id"])] = message
        self._record_sent(request, chat.id, message)
        return message

    # ======================================================================================
    # Bot API methods
    # ======================================================================================
    def _true(self, request: Request) -> bool:
        return True

    def _get_me(self, request: Request) -> JSONDict:
        return {
            **self._bot_dict,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, request: Request) -> bool:
        url = request.params.get("url")
        if not isinstance(url, str):
            raise ApiError(400, "Bad Request: bad webhook: URL must be provided")
        if request.params.get("drop_pending_updates") is True:
            self._updates.clear()
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook = {
            k: v
            for k, v in request.params.items()
            if k not in ("certificate", "drop_pending_updates")
        }
        self._wake_pollers()  # a pending long poll now conflicts
        return True

    def _delete_webhook(self, request: Request) -> bool:
        self.webhook = None
        if request.params.get("drop_pending_updates") is True:
            self._updates.clear()
        return True

    def _get_webhook_info(self, request: Request) -> JSONDict:
        hook = self.webhook or {}
        info: JSONDict = {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        for key in ("max_connections", "allowed_updates", "ip_address"):
            if key in hook:
                info[key] = hook[key]
        return info

    def _send_message(self, request: Request) -> JSONDict:
        params = request.params
        chat = self._chat_for(params.get("chat_id"))
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        formatted = self._format(text, params, caption=False)
        if not formatted.text:
            raise ApiError(400, "Bad Request: message text is empty")
        message = self._new_bot_message(chat, request)
        message["text"] = formatted.text
        if formatted.entities:
            message["entities"] = formatted.entities
        return self._store_sent(request, chat, message, markup)

    def _send_photo(self, request: Request) -> JSONDict:
        params = request.params
        chat = self._chat_for(params.get("chat_id"))
        upload = request.files.get("photo")
        photo = params.get("photo")
        if upload is None and (not isinstance(photo, str) or not photo):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        markup = self._check_markup(params.get("reply_markup"))
        caption = params.get("caption")
        formatted = (
            self._format(caption, params, caption=True) if isinstance(caption, str) else None
        )
        message = self._new_bot_message(chat, request)
        if upload is not None:
            file_id = f"AgACfake{self._serial():08d}"
            path = f"photos/file_{len(self._files)}.jpg"
            self._files[file_id] = (path, upload)
            self._files_by_path[path] = upload
            size = upload.size
        else:
            file_id, size = str(photo), 0
        message["photo"] = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id[-12:]}",
                "width": 800,
                "height": 600,
                "file_size": size,
            }
        ]
        if formatted is not None and formatted.text:
            message["caption"] = formatted.text
            if formatted.entities:
                message["caption_entities"] = formatted.entities
        return self._store_sent(request, chat, message, markup)

    def _send_chat_action(self, request: Request) -> bool:
        self._chat_for(request.params.get("chat_id"))
        if not request.params.get("action"):
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _message_to_edit(self, request: Request) -> tuple[FakeChat, JSONDict]:
        params = request.params
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: the fake Bot API does not support inline messages")
        chat = self._chat_for(params.get("chat_id"))
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        current = self._messages.get((chat.id, message_id))
        if current is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if current.get("from", {}).get("id") != self.bot_user.id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, current

    def _store_edit(
        self, request: Request, chat: FakeChat, current: JSONDict, changes: JSONDict
    ) -> JSONDict:
        edited = {**current, **changes, "edit_date": int(request.wall)}
        for key in ("entities", "reply_markup"):
            if key in changes and changes[key] is None:
                del edited[key]
        self._messages[(chat.id, current["message_id"])] = edited
        self._record_sent(request, chat.id, edited)
        return edited

    def _edit_message_text(self, request: Request) -> JSONDict:
        chat, current = self._message_to_edit(request)
        params = request.params
        if "text" not in current:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        formatted = self._format(text, params, caption=False)
        if not formatted.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if (
            formatted.text == current["text"]
            and formatted.entities == current.get("entities", [])
            and markup == current.get("reply_markup")
        ):
            raise ApiError(400, _NOT_MODIFIED)
        changes = {
            "text": formatted.text,
            "entities": formatted.entities or None,
            "reply_markup": markup,
        }
        return self._store_edit(request, chat, current, changes)

    def _edit_message_reply_markup(self, request: Request) -> JSONDict:
        chat, current = self._message_to_edit(request)
        markup = self._check_markup(request.params.get("reply_markup"))
        if markup == current.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        return self._store_edit(request, chat, current, {"reply_markup": markup})

    def _delete_message(self, request: Request) -> bool:
        params = request.params
        chat = self._chat_for(params.get("chat_id"), sending=False)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        if self._messages.pop((chat.id, message_id), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.deleted.append((chat.id, message_id))
        return True

    def _answer_callback_query(self, request: Request) -> bool:
        """Like Telegram: once per query, and only soon after the press (``callback_timeout``
        seconds; Telegram's own limit is undocumented, some seconds). A second answer, a late
        one or an unknown id is refused the same way Telegram refuses them."""
        query_id = str(request.params.get("callback_query_id"))
        self.callback_answer_attempts[query_id] += 1
        pressed = self._open_callbacks.pop(query_id, None)
        late = (
            pressed is not None
            and self.callback_timeout is not None
            and request.arrival - pressed > self.callback_timeout
        )
        if pressed is None or late:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered_callbacks.append(request.params)
        return True

    @property
    def unanswered_callbacks(self) -> list[str]:
        """Query ids pressed and never answered (refused answers leave them answered: closed)."""
        return [q for q in self.pressed_callbacks if not self.callback_answer_attempts[q]]

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not isinstance(scope, dict):
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True)

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        language = params.get("language_code")
        return self._scope_key(params.get("scope")), language if isinstance(language, str) else ""

    def _set_my_commands(self, request: Request) -> bool:
        commands = request.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(
                str(command.get("command", ""))
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(request.params)] = commands
        return True

    def _delete_my_commands(self, request: Request) -> bool:
        self.commands.pop(self._commands_key(request.params), None)
        return True

    def _get_my_commands(self, request: Request) -> list[JSONDict]:
        return self.commands.get(self._commands_key(request.params), [])

    def _set_text_setting(
        self, request: Request, store: dict[str, str], name: str, limit: int
    ) -> bool:
        value = request.params.get(name) or ""
        language = str(request.params.get("language_code") or "")
        if not isinstance(value, str) or len(value) > limit:
            raise ApiError(400, f"Bad Request: {name.replace('_', ' ')} is too long")
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _set_my_description(self, request: Request) -> bool:
        return self._set_text_setting(request, self.descriptions, "description", 512)

    def _get_my_description(self, request: Request) -> JSONDict:
        language = str(request.params.get("language_code") or "")
        return {"description": self.descriptions.get(language, "")}

    def _set_my_short_description(self, request: Request) -> bool:
        return self._set_text_setting(request, self.short_descriptions, "short_description", 120)

    def _get_my_short_description(self, request: Request) -> JSONDict:
        language = str(request.params.get("language_code") or "")
        return {"short_description": self.short_descriptions.get(language, "")}

    def _menu_chat(self, request: Request) -> int | None:
        value = request.params.get("chat_id")
        return None if value is None else self._chat_for(value, sending=False).id

    def _set_chat_menu_button(self, request: Request) -> bool:
        button = request.params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        self.menu_buttons[self._menu_chat(request)] = button
        return True

    def _get_chat_menu_button(self, request: Request) -> JSONDict:
        return self.menu_buttons.get(self._menu_chat(request), {"type": "default"})

    def _get_chat(self, request: Request) -> JSONDict:
        chat = self._chat_for(request.params.get("chat_id"), sending=False)
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _status_in(self, chat: FakeChat, user_id: int) -> str:
        if user_id == self.bot_user.id:
            return chat.bot_status
        if chat.is_private:
            return MEMBER if user_id == chat.id else LEFT
        return chat.members.get(user_id, LEFT)

    def _user_dict(self, user_id: int) -> JSONDict:
        if user_id == self.bot_user.id:
            return self._bot_dict
        user = self.users.get(user_id)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        return user.to_api()

    def _get_chat_member(self, request: Request) -> JSONDict:
        chat = self._chat_for(request.params.get("chat_id"), sending=False)
        user_id = _int_param(request.params, "user_id", "user not found")
        return self._member(self._user_dict(user_id), self._status_in(chat, user_id))

    def _get_chat_administrators(self, request: Request) -> list[JSONDict]:
        chat = self._chat_for(request.params.get("chat_id"), sending=False)
        if chat.is_private:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        admins = [
            self._member(self._user_dict(uid), status)
            for uid, status in chat.members.items()
            if status in (CREATOR, ADMINISTRATOR)
        ]
        if chat.bot_status == ADMINISTRATOR:
            admins.append(self._member(self._bot_dict, ADMINISTRATOR))
        return admins

    def _get_file(self, request: Request) -> JSONDict:
        file_id = request.params.get("file_id")
        entry = self._files.get(str(file_id))
        if entry is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, upload = entry
        return {
            "file_id": file_id,
            "file_unique_id": f"u{str(file_id)[-12:]}",
            "file_size": upload.size,
            "file_path": path,
        }

    # ======================================================================================
    # getUpdates bookkeeping (the waiting is in the HTTP layer)
    # ======================================================================================
    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        elif offset > 0:
            while updates and updates[0][1]["update_id"] < offset:
                updates.popleft()

    def _collect(self, limit: int) -> list[JSONDict]:
        allowed = self._allowed_updates
        batch: list[JSONDict] = []
        for kind, update in self._updates:
            if (kind in allowed) if allowed is not None else (kind not in NOT_DELIVERED_BY_DEFAULT):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch
