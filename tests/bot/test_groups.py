"""Parents' groups: joining, admin-only settings, removal, and the move to a supergroup."""

from __future__ import annotations

import asyncio

from domain.models import ChatKind, ChatStatus
from tests.bot.harness import running_bot


async def test_group_setup_by_admin_and_polite_refusal_for_others(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        admin = bot.api.make_user("Ada", language_code="en")
        member = bot.api.make_user("Bo", language_code="en")
        group = bot.api.make_group("Parents", admins=[admin], members=[member], bot_status="left")

        since = len(bot.api.sent)
        bot.api.add_bot_to_group(group, by=admin)
        greeting = await bot.api.wait_for(lambda m: m.chat_id == group.id, since=since)
        assert "A group admin can set me up" in greeting.plain_text
        profile = await bot.profile(group.id)
        assert profile is not None and profile.chat.kind == ChatKind.GROUP

        since = len(bot.api.calls)
        bot.api.press_button(member, greeting, "ob:begin")
        refusal = await bot.api.wait_for_call(
            lambda c: c.method == "answerCallbackQuery" and "admins" in str(c.params.get("text")),
            since=since,
        )
        assert refusal.params.get("show_alert") in (True, "true")
        refused = await bot.say(member, "/settings", chat=group)
        assert "Only the group's admins" in refused.plain_text

        topics = await bot.tap(admin, greeting, "Set up")
        assert "Step 1 of 4" in topics.plain_text
        step = await bot.tap(admin, topics, "Next")
        step = await bot.tap(admin, step, "Skip")
        step = await bot.tap(admin, step, "Next")
        done = await bot.tap(admin, step, "Confirm")
        assert "All set!" in done.plain_text
        profile = await bot.profile(group.id)
        assert profile is not None and profile.chat.status == ChatStatus.ACTIVE

        # Plain chatter in a group gets no reply (privacy mode delivers only commands anyway).
        since = len(bot.api.sent)
        bot.api.send_text(member, "/nonsense", chat=group)
        await bot.say(admin, "/help", chat=group)
        assert not [m for m in bot.api.sent[since:] if "only understand" in (m.text or "")]


async def test_removing_the_bot_stops_the_group(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        admin = bot.api.make_user("Ada", language_code="en")
        group = bot.api.make_group("Parents", admins=[admin], bot_status="left")
        since = len(bot.api.sent)
        bot.api.add_bot_to_group(group, by=admin)
        await bot.api.wait_for(lambda m: m.chat_id == group.id, since=since)
        bot.api.remove_bot_from_group(group, by=admin, kicked=True)
        for _ in range(50):
            profile = await bot.profile(group.id)
            if profile is not None and profile.chat.status == ChatStatus.BLOCKED:
                break
            await asyncio.sleep(0.05)
        assert profile is not None and profile.chat.status == ChatStatus.BLOCKED
        assert profile.chat.status_reason == "kicked from the group"


async def test_a_group_upgraded_to_a_supergroup_keeps_everything(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        admin = bot.api.make_user("Ada", language_code="en")
        group = bot.api.make_group("Parents", admins=[admin])
        first = await bot.say(admin, "/start", chat=group)
        step = await bot.tap(admin, first, "💷")  # untick welfare: a choice to keep
        step = await bot.tap(admin, step, "Next")
        step = await bot.tap(admin, step, "Skip")
        step = await bot.tap(admin, step, "Next")
        await bot.tap(admin, step, "Confirm")
        old = await bot.profile(group.id)
        assert old is not None

        new_id = bot.api.migrate_group(group, by=admin)
        for _ in range(50):
            moved = await bot.profile(new_id)
            if moved is not None:
                break
            await asyncio.sleep(0.05)
        assert moved is not None
        assert moved.chat.id == old.chat.id
        assert moved.topics == {"health", "learning"}
        assert moved.chat.kind == ChatKind.SUPERGROUP
        assert await bot.profile(group.id) is None
