"""Many new users arriving together by a deep link are created together (bot.intake), each
subscribed to the link's topic and active, as one arriving alone would be."""

from __future__ import annotations

from functools import partial

from domain.models import ChatStatus
from tests.bot.harness import count_rows_for_chat, running_bot
from tests.fakebotapi import SentMessage


def _to(chat_id: int, message: SentMessage) -> bool:
    return message.chat_id == chat_id


async def test_a_burst_of_deep_links_subscribes_each_new_user(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        users = [bot.api.make_user(f"Parent {i}", language_code="en") for i in range(40)]
        since = len(bot.api.sent)
        for user in users:
            bot.api.send_text(user, "/start learning")
        for user in users:
            reply = await bot.api.wait_for(partial(_to, user.id), since=since, timeout=10)
            assert "You're subscribed to 🧸 Play and learning" in reply.plain_text
            assert "Your next tip comes on" in reply.plain_text
        for user in users:
            profile = await bot.profile(user.id)
            assert profile is not None and profile.chat.id is not None
            assert profile.chat.status == ChatStatus.ACTIVE
            assert profile.topics == {"learning"}
            assert profile.schedule.next_slot_at is not None
            rows = await count_rows_for_chat(bot.services, profile.chat.id)
            # As `activate` leaves a chat: joined, then active; one topic; one schedule.
            assert (rows["chat_event"], rows["chat_topic"], rows["schedule"]) == (2, 1, 1)
