"""Generated Telegram updates through the real application: getUpdates -> PTB -> handlers.

Each generated session is short and adaptive, in fresh chats: the next action is drawn after
the bot has answered the last one, so real buttons of real screens get pressed (deep into
onboarding, children and schedule), and so do their near misses and forgeries. The invariants
checked after each session are listed in tests/fuzz/driver.py. Both tests run on SQLite and
PostgreSQL (`migrated_url`). FUZZ_EXAMPLES sets the number of sessions per test (a long run:
FUZZ_EXAMPLES=2000); FUZZ_SEED replays a reported run.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Literal, TypeVar

from hypothesis import strategies as st

from tests.fakebotapi import FakeChat, FakeUser
from tests.fuzz import strategies as gen
from tests.fuzz.driver import Example, JSONDict, run_fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "80"))
EDITOR_ID = 4242  # in ADMIN_USER_IDS: may /preview, /broadcast, /stats, /reload
ANONYMOUS_ADMIN = FakeUser(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
OTHER_BOT = {"id": 777, "is_bot": True, "first_name": "Other bot", "username": "other_bot"}
COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
DATE = 1_700_000_000
CHANNELS = itertools.count(1)
T = TypeVar("T")
Action = Callable[[], Awaitable[None]]


def entities(text: str) -> list[JSONDict]:
    """A bot_command entity for a leading command, as Telegram adds it."""
    found = COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": found.end()}] if found else []


def media() -> st.SearchStrategy[JSONDict]:
    """Message contents without text: stickers, photos (maybe captioned), places, dice..."""
    photo = [{"file_id": "AgACphoto", "file_unique_id": "uphoto", "width": 90, "height": 60}]
    sticker = {
        "file_id": "CAACsticker",
        "file_unique_id": "usticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    caption = gen.free_text().map(lambda s: s[:1024])
    return st.one_of(
        st.just({"sticker": sticker}),
        st.just({"photo": photo}),
        st.builds(lambda c: {"photo": photo, "caption": c}, caption),
        st.just({"photo": photo, "caption": "/start health"}),
        st.just({"location": {"latitude": 51.5, "longitude": -0.12}}),
        st.just({"dice": {"emoji": "🎲", "value": 6}}),
        st.just({"contact": {"phone_number": "+44 7700 900000", "first_name": "Ana"}}),
        st.just({"voice": {"file_id": "AwACvoice", "file_unique_id": "uvoice", "duration": 3}}),
    )


def buttons(message: JSONDict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]


class Session:
    """Actions shared by private and group sessions; subclasses say who acts where."""

    def __init__(self, ex: Example, chat: FakeChat | FakeUser) -> None:
        self.ex = ex
        self.api = ex.api
        self.fuzzer = ex.fuzzer
        self.chat = chat

    def draw(self, strategy: st.SearchStrategy[T], label: str) -> T:
        return self.ex.draw(strategy, label)

    def pick(self, items: Sequence[T], label: str, fallback: T) -> T:
        """One of `items` (which depend on what the bot did) by a drawn index."""
        index = self.draw(st.integers(0, 255), label)
        return items[-1 - index % len(items)] if items else fallback

    def texts(self) -> st.SearchStrategy[str]:
        return gen.any_text(self.fuzzer.topic_ids, self.fuzzer.tip_ids)

    async def say(self, user: FakeUser, text: str, *, reply_to: JSONDict | None = None) -> None:
        ref = None if reply_to is None else (self.chat.id, int(reply_to["message_id"]))
        chat = None if isinstance(self.chat, FakeUser) else self.chat
        await self.ex.do(lambda: self.api.send_text(user, text, chat, reply_to=ref))

    async def raw(self, kind: str, message: JSONDict) -> None:
        await self.ex.do(lambda: self.api.inject_update({kind: message}))

    # -- buttons --------------------------------------------------------------------------------
    def button_data(self, message: JSONDict) -> str | None:
        """Real, stale, near-miss, forged or foreign data, or none at all (the Bot API calls
        `data` optional: a modified client can send a query without it)."""
        real = buttons(message)
        kind = self.draw(
            st.sampled_from(["real", "mutated", "stale", "foreign", "forged", "none"]),
            "button kind",
        )
        if kind == "none":
            return None
        if kind == "forged":
            return self.draw(gen.forged_data(self.fuzzer.topic_ids, self.fuzzer.tip_ids), "data")
        if kind == "mutated":
            mutation = self.draw(gen.mutations(self.fuzzer.topic_ids, self.fuzzer.tip_ids), "how")
            return mutation(self.pick(real, "of button", "ob:begin"))
        pool = {
            "real": real,
            "stale": self.ex.stale_data(self.chat.id),
            "foreign": self.fuzzer.offered_data,  # from other chats and earlier examples
        }[kind]
        return self.pick(pool, kind, "ob:begin")

    async def press_as(self, user: FakeUser) -> None:
        """A button on one of the bot's latest messages, or on a message too old to show."""
        messages = self.ex.bot_messages(self.chat.id)
        old = self.draw(st.integers(0, 9), "old message") == 0
        gone = self.draw(st.integers(0, 2**20), "old message id")
        message = self.pick(messages[-4:], "message", {})
        data = self.button_data(message)
        if old or not message:
            # Telegram sends a date-0 stub for a message the bot can no longer see (deleted):
            # an id the fake does not know, and never will in this session.
            chat = self.api._chat(self.chat)
            message_id = chat.last_message_id + 1_000_000 + gone
            message = {"chat": chat.to_api(), "message_id": message_id, "date": 0}
        await self.ex.do(lambda: self.ex.callback(user, message, data))

    async def press_data_as(self, user: FakeUser, wanted: str | None) -> bool:
        """Press the button with exactly this data on the bot's latest message offering it."""
        for message in reversed(self.ex.bot_messages(self.chat.id)):
            if wanted is not None and wanted in buttons(message):
                await self.ex.do(partial(self.api.press_button, user, message, wanted))
                return True
        return False

    def latest_data(self, prefix: str) -> str | None:
        """Data starting with `prefix` on the bot's messages in this chat, newest first."""
        for message in reversed(self.ex.bot_messages(self.chat.id)):
            for data in buttons(message):
                if data.startswith(prefix):
                    return data
        return None

    # -- questions, answers, replies, edits, media --------------------------------------------
    async def answer_as(self, user: FakeUser) -> None:
        """Open one of the bot's questions the way a user does, then answer it (maybe more
        than once, as after a refusal)."""
        kind = self.draw(st.sampled_from(["due", "birth", "time", "timezone", "edit"]), "question")
        strategy = {"time": gen.typed_times, "timezone": gen.typed_zones}.get(kind, gen.typed_dates)
        answers = self.draw(st.lists(strategy(), min_size=1, max_size=3), "answers")
        if kind in ("time", "timezone"):
            await self.say(user, "/schedule")
            opened = await self.press_data_as(user, f"sc:ask:{kind}")
        elif kind == "edit":
            await self.say(user, "/children")
            await self.press_data_as(user, "ch:add:due:ch")
            await self.say(user, "1 March 2027")
            opened = await self.press_data_as(user, self.latest_data("ch:open:"))
            opened = opened and await self.press_data_as(user, self.latest_data("ch:edit:"))
        else:
            await self.say(user, "/children")
            opened = await self.press_data_as(user, f"ch:add:{kind}:ch")
        for text in answers if opened else []:
            question = self.api.last_message(self.chat.id)
            await self.say(user, text, reply_to=None if question is None else question.result)

    async def reply_as(self, user: FakeUser) -> None:
        """A reply to one of the bot's messages with no question open: dates, times, zones."""
        strategy = st.one_of(gen.typed_dates(), gen.typed_times(), gen.typed_zones(), self.texts())
        text = self.draw(strategy, "reply")
        target = self.pick(self.ex.bot_messages(self.chat.id)[-3:], "replied to", None)
        if target is not None:
            await self.say(user, text, reply_to=target)

    async def edit_as(self, user: FakeUser | None) -> None:
        """An earlier message of this chat, or one the bot never saw, edited to say `text`."""
        original = self.draw(self.texts(), "original text")
        text = self.draw(self.texts(), "edited text")
        known = self.pick(self.ex.user_messages.get(self.chat.id, []), "edited message", None)
        stored = None if known is None else self.api.current_message(self.chat.id, known)
        if stored is None:
            stored = self.ex.message(self.chat, user, text=original, entities=entities(original))
        edited = {**stored, "edit_date": DATE, "text": text, "entities": entities(text)}
        self.api._messages[(self.chat.id, edited["message_id"])] = edited
        await self.raw("edited_message", edited)

    async def deleted_command_as(self, user: FakeUser) -> None:
        """A command deleted at once (by its sender, or by a group's clean-up bot) before the
        bot answers it."""
        text = self.draw(gen.commands(self.fuzzer.topic_ids, self.fuzzer.tip_ids), "deleted")
        chat = self.api._chat(self.chat)

        def send_and_delete() -> None:
            self.api.send_text(user, text, None if chat.is_private else chat)
            self.api._messages.pop((chat.id, chat.last_message_id), None)

        await self.ex.do(send_and_delete)

    async def media_as(self, user: FakeUser | None) -> None:
        fields = self.draw(media(), "media")
        await self.raw("message", self.ex.message(self.chat, user, **fields))

    async def text_without_from(self) -> None:
        text = self.draw(self.texts(), "text without from")
        message = self.ex.message(self.chat, None, text=text, entities=entities(text))
        await self.raw("message", message)


class PrivateSession(Session):
    """One user in their private chat (sometimes the editor, who may use admin commands)."""

    ACTIONS = (
        "text",
        "command",
        "press",
        "answer",
        "reply",
        "edit",
        "deleted command",
        "media",
        "no from",
        "burst",
        "block",
    )

    def __init__(self, ex: Example, user: FakeUser) -> None:
        super().__init__(ex, user)
        self.user = user
        self.blocked = False

    async def act(self, name: str) -> None:
        if self.blocked:  # nothing comes from a chat that blocked the bot, until it unblocks
            await self.ex.do(lambda: self.api.unblock_bot(self.user))
            self.blocked = False
            return
        user = self.user
        if name == "text":
            await self.say(user, self.draw(self.texts(), "text"))
        elif name == "command":
            commands = gen.commands(self.fuzzer.topic_ids, self.fuzzer.tip_ids)
            await self.say(user, self.draw(commands, "command"))
        elif name == "press":
            await self.press_as(user)
        elif name == "answer":
            await self.answer_as(user)
        elif name == "reply":
            await self.reply_as(user)
        elif name == "edit":
            await self.edit_as(user)
        elif name == "deleted command":
            await self.deleted_command_as(user)
        elif name == "media":
            await self.media_as(user)
        elif name == "no from":
            await self.text_without_from()
        elif name == "burst":
            await self.burst()
        elif name == "block" and user.id != EDITOR_ID:  # the editor's chat outlives examples
            await self.ex.do(lambda: self.api.block_bot(user))
            self.blocked = True

    async def burst(self) -> None:
        """Two or three taps or messages at once: Telegram delivers them in one batch and the
        bot handles them concurrently."""
        injections: list[Callable[[], object]] = []
        for _ in range(self.draw(st.integers(2, 3), "burst size")):
            press = self.draw(st.booleans(), "burst press")
            text = self.draw(self.texts(), "burst text")
            messages = self.ex.bot_messages(self.user.id)
            data = self.button_data(messages[-1] if messages else {})
            if press and messages:
                injections.append(partial(self.ex.callback, self.user, messages[-1], data))
            else:
                injections.append(partial(self.api.send_text, self.user, text))
        await self.ex.do(*injections)


class GroupSession(Session):
    """A group (or supergroup) with an admin and a member, and a channel nearby."""

    ACTIONS = (
        "command",
        "text",
        "press",
        "answer",
        "reply",
        "edit",
        "deleted command",
        "media",
        "anonymous admin",
        "no from",
        "join",
        "leave",
        "title",
        "remove bot",
        "migrate",
        "channel",
    )

    def __init__(self, ex: Example, admin: FakeUser, member: FakeUser) -> None:
        kinds: list[Literal["group", "supergroup"]] = ["group", "supergroup"]
        statuses: list[Literal["left", "member", "administrator"]] = [
            "left",
            "member",
            "administrator",
        ]
        kind = ex.draw(st.sampled_from(kinds), "group kind")
        bot_status = ex.draw(st.sampled_from(statuses), "bot status")
        title = ex.draw(gen.first_names(), "title")
        group = ex.api.make_group(
            title, admins=[admin], members=[member], kind=kind, bot_status=bot_status
        )
        super().__init__(ex, group)
        self.group = group
        self.admin = admin
        self.member = member
        channel_id = -1_003_000_000_000 - next(CHANNELS)
        self.channel = FakeChat(id=channel_id, type="channel", title=title)
        ex.api.chats[channel_id] = self.channel

    async def act(self, name: str) -> None:
        actor = self.draw(st.sampled_from([self.admin, self.member]), "actor")
        if self.group.bot_status not in ("member", "administrator"):
            # Nothing comes from a group without the bot, until someone adds it back.
            as_admin = self.draw(st.booleans(), "as admin")
            await self.ex.do(
                lambda: self.api.add_bot_to_group(self.group, actor, as_admin=as_admin)
            )
        elif name == "command":
            commands = gen.commands(self.fuzzer.topic_ids, self.fuzzer.tip_ids)
            await self.say(actor, self.draw(commands, "command"))
        elif name == "text":
            await self.say(actor, self.draw(self.texts(), "text"))
        elif name == "press":
            await self.press_as(actor)
        elif name == "answer":
            await self.answer_as(self.admin)
        elif name == "reply":
            await self.reply_as(actor)
        elif name == "edit":
            await self.edit_as(actor)
        elif name == "deleted command":
            await self.deleted_command_as(actor)
        elif name == "media":
            await self.media_as(actor)
        elif name == "anonymous admin":
            await self.anonymous_admin()
        elif name == "no from":
            await self.text_without_from()
        elif name == "join":
            await self.join()
        elif name == "leave":
            left = self.member.to_api()
            await self.raw(
                "message", self.ex.message(self.group, self.member, left_chat_member=left)
            )
        elif name == "title":
            title = self.draw(gen.first_names(), "new title")
            self.group.title = title
            await self.raw("message", self.ex.message(self.group, self.admin, new_chat_title=title))
        elif name == "remove bot":
            kicked = self.draw(st.booleans(), "kicked")
            await self.ex.do(
                lambda: self.api.remove_bot_from_group(self.group, self.admin, kicked=kicked)
            )
        elif name == "migrate" and self.group.type == "group":
            await self.migrate()
        elif name == "channel":
            await self.channel_post()

    async def anonymous_admin(self) -> None:
        """An admin writing as the group: `from` is GroupAnonymousBot, sender_chat the group."""
        text = self.draw(self.texts(), "anonymous text")
        fields = {"sender_chat": self.group.to_api(), "entities": entities(text)}
        await self.raw("message", self.ex.message(self.group, ANONYMOUS_ADMIN, text=text, **fields))

    async def join(self) -> None:
        """Members join (some with odd language codes), maybe another bot with them."""
        count = self.draw(st.integers(1, 3), "joining")
        names = self.draw(st.lists(gen.first_names(), min_size=count, max_size=count), "names")
        codes = self.draw(st.lists(gen.language_codes(), min_size=count, max_size=count), "codes")
        people = [self.api.make_user(n, language_code=c) for n, c in zip(names, codes, strict=True)]
        joined = [p.to_api() for p in people]
        if self.draw(st.booleans(), "a bot joins"):
            joined.append(OTHER_BOT)
        for person in people:
            self.group.members[person.id] = "member"
        await self.raw("message", self.ex.message(self.group, people[0], new_chat_members=joined))

    async def migrate(self) -> None:
        """The group becomes a supergroup; the session goes on in the new chat."""
        new_ids: list[int] = []
        await self.ex.do(lambda: new_ids.append(self.api.migrate_group(self.group, self.admin)))
        self.group = self.api.chats[new_ids[0]]
        self.chat = self.group

    async def channel_post(self) -> None:
        """Posts and edits in a channel: no `from`, a sender_chat; sometimes the bot joins it."""
        kind = self.draw(st.sampled_from(["post", "edit", "media", "added"]), "channel event")
        text = self.draw(self.texts(), "channel text")
        fields = self.draw(media(), "channel media")
        if kind == "added":
            await self.ex.do(
                lambda: self.api.add_bot_to_group(self.channel, self.admin, as_admin=True)
            )
            return
        chat = self.channel.to_api()
        self.channel.last_message_id += 1
        post: JSONDict = {
            "message_id": self.channel.last_message_id,
            "chat": chat,
            "date": DATE,
            "sender_chat": chat,
        }
        if kind == "media":
            post.update(fields)
        else:
            post.update(text=text, entities=entities(text))
        if kind == "edit":
            post["edit_date"] = DATE + 100
        await self.raw("edited_channel_post" if kind == "edit" else "channel_post", post)


async def private_session(ex: Example) -> None:
    editor = ex.draw(st.integers(0, 4), "editor?") == 0
    name = ex.draw(gen.first_names(), "name")
    language = ex.draw(gen.language_codes(), "language")
    if editor:
        user = ex.api.users.get(EDITOR_ID) or ex.api.make_user("Eda", user_id=EDITOR_ID)
    else:
        user = ex.api.make_user(name, language_code=language)
    session = PrivateSession(ex, user)
    for action in ex.draw(st.lists(st.sampled_from(session.ACTIONS), max_size=8), "actions"):
        await session.act(action)


async def group_session(ex: Example) -> None:
    languages = ex.draw(st.tuples(gen.language_codes(), gen.language_codes()), "languages")
    admin = ex.api.make_user("Ada", language_code=languages[0])
    member = ex.api.make_user("Bo", language_code=languages[1])
    session = GroupSession(ex, admin, member)
    for action in ex.draw(st.lists(st.sampled_from(session.ACTIONS), max_size=8), "actions"):
        await session.act(action)


def test_private_chats_survive_anything(migrated_url: str) -> None:
    run_fuzz(
        migrated_url, private_session, examples=EXAMPLES, admin_user_ids=frozenset({EDITOR_ID})
    )


def test_groups_and_channels_survive_anything(migrated_url: str) -> None:
    run_fuzz(migrated_url, group_session, examples=EXAMPLES)
