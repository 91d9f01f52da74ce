"""Parents' groups: joining, admin-only settings, removal, and the move to a supergroup."""

from __future__ import annotations

import asyncio

import pytest

from domain.models import ChatKind, ChatStatus
from tests.bot.harness import running_bot


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_group_setup_by_admin_and_polite_refusal_for_others(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        admin = bot.api.make_user("Ada", language_code=language)
        member = bot.api.make_user("Bo", language_code=language)
        group = bot.api.make_group("Parents", admins=[admin], members=[member], bot_status="left")

        since = len(bot.api.sent)
        bot.api.add_bot_to_group(group, by=admin)
        greeting = await bot.api.wait_for(lambda m: m.chat_id == group.id, since=since)
        assert _("A group admin can set me up:") in greeting.plain_text
        profile = await bot.profile(group.id)
        assert profile is not None and profile.chat.kind == ChatKind.GROUP
        assert profile.chat.language == language

        refusal_text = _("Only the group's admins can change these settings.")
        since = len(bot.api.calls)
        bot.api.press_button(member, greeting, "ob:begin")
        refusal = await bot.api.wait_for_call(
            lambda c: c.method == "answerCallbackQuery" and c.params.get("text") == refusal_text,
            since=since,
        )
        assert refusal.params.get("show_alert") in (True, "true")
        refused = await bot.say(member, "/settings", chat=group)
        assert refusal_text in refused.plain_text

        topics = await bot.tap(admin, greeting, "data=ob:begin")
        assert _("Step %(n)d of %(total)d") % {"n": 1, "total": 5} in topics.plain_text
        step = await bot.tap(admin, topics, "data=ob:done")
        step = await bot.tap(admin, step, "✅")  # the nation ticked already
        step = await bot.tap(admin, step, "data=ob:freq")
        step = await bot.tap(admin, step, "data=ob:time")
        done = await bot.tap(admin, step, "data=ob:confirm")
        assert _("✅ <b>All set!</b>").replace("<b>", "").replace("</b>", "") in done.plain_text
        profile = await bot.profile(group.id)
        assert profile is not None and profile.chat.status == ChatStatus.ACTIVE

        # Plain chatter in a group gets no reply (privacy mode delivers only commands anyway).
        since = len(bot.api.sent)
        bot.api.send_text(member, "/nonsense", chat=group)
        await bot.say(admin, "/help", chat=group)
        pointer = _("I only understand commands and buttons. Try /settings or /help.")
        assert not [m for m in bot.api.sent[since:] if pointer in (m.text or "")]


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
        step = await bot.tap(admin, step, "✅")  # the nation ticked already
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
