"""Editors in chat: /preview for admins only, and hot reload with errors reported to admins."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.content_reload import start_content_reload
from domain.content.loader import load_library
from tests.bot.harness import REPO, START, running_bot

TIP = "h-safe-sleep-on-back"
ADMIN_ID = 900_001  # in ADMIN_USER_IDS, which the admin commands' filter is built from


def small_library(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "tips" / "health").mkdir(parents=True)
    shutil.copy(REPO / "content" / "topics.yaml", content / "topics.yaml")
    for path in (REPO / "content" / "tips" / "health").glob(f"{TIP}*.md"):
        shutil.copy(path, content / "tips" / "health" / path.name)
    return content


async def test_preview_is_for_admins_only(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Pat", language_code="en")
        reply = await bot.say(parent, f"/preview {TIP}")
        assert "/help" in reply.plain_text  # the ordinary unknown-command reply


async def test_preview_of_an_unknown_id_repeats_only_its_start(migrated_url: str) -> None:
    """Found by fuzzing: a /preview argument as long as a message was echoed back whole, over
    Telegram's 4,096-character limit, so the admin got no answer at all."""
    async with running_bot(migrated_url, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        editor = bot.api.make_user("Eve", user_id=ADMIN_ID, language_code="en")
        reply = await bot.say(editor, "/preview " + "x" * 4080)
        assert reply.plain_text.startswith("No tip with id 'xxxx")
        assert len(reply.plain_text) < 200


async def test_hot_reload_swaps_in_edits_and_keeps_the_last_good_version(
    migrated_url: str, tmp_path: Path
) -> None:
    content = small_library(tmp_path)
    library = load_library(content, today=START.date())
    async with running_bot(
        migrated_url, library=library, content_dir=content, admin_user_ids=frozenset({ADMIN_ID})
    ) as bot:
        editor = bot.api.make_user("Eda", language_code="en", user_id=ADMIN_ID)
        bot.services.settings.__dict__["content_reload_seconds"] = 0.2
        await start_content_reload(bot.app)
        try:
            before = await bot.say(editor, f"/preview {TIP}")
            assert "🩺" in before.plain_text
            assert before.reply_markup is not None  # exactly as subscribers get it

            path = content / "tips" / "health" / f"{TIP}.md"
            text = path.read_text()
            old_title = next(line for line in text.splitlines() if line.startswith("title:"))
            path.write_text(text.replace(old_title, "title: Back to sleep, every sleep"))
            for _ in range(100):
                if "Back to sleep, every sleep" in (
                    t.title for t in bot.services.library.current.tips.values()
                ):
                    break
                await asyncio.sleep(0.05)
            # (This small library has no danger-sign list: editors are told so, apart.)
            since = len(bot.api.sent)
            await bot.say(editor, f"/preview {TIP}")
            await bot.api.wait_for(
                lambda m: m.chat_id == editor.id and "Back to sleep, every sleep" in m.plain_text,
                since=since,
            )

            since = len(bot.api.sent)
            path.write_text(text.replace("topics: [health]", "topics: [helth]"))
            alert = await bot.api.wait_for(
                lambda m: m.chat_id == editor.id and "Content errors" in (m.text or ""),
                since=since,
            )
            assert f"content/tips/health/{TIP}.md:4: error:" in alert.plain_text
            assert "helth" in alert.plain_text
            still = await bot.say(editor, f"/preview {TIP}")
            assert "Back to sleep, every sleep" in still.plain_text  # last good version
        finally:
            assert bot.app.bot_data.reloader is not None
            await bot.app.bot_data.reloader.stop()


async def test_admin_broadcast_shows_count_and_time_then_sends(migrated_url: str) -> None:
    from datetime import timedelta

    from tests.bot.harness import delivering, seed_chat, settle

    async with running_bot(migrated_url, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        admin = bot.api.make_user("Ada", language_code="en", user_id=ADMIN_ID)
        for telegram_id in (8101, 8102):
            await seed_chat(bot.services, telegram_id, born=START.date() - timedelta(days=50))
        parent = bot.api.make_user("Pat", language_code="en")
        refused = await bot.say(parent, f"/broadcast {TIP}")
        assert "/help" in refused.plain_text

        offer = await bot.say(admin, f"/broadcast {TIP}")
        assert (
            f"Broadcast {TIP} to 2 chats" in offer.plain_text and "min at 25/s" in offer.plain_text
        )
        async with delivering(bot) as engine:
            done = await bot.tap(admin, offer, "Send to 2 chats")
            assert "Planned 2 deliveries" in done.plain_text
            await settle(engine)
        assert len(bot.api.messages_to(8101)) == 1 and len(bot.api.messages_to(8102)) == 1


async def test_admin_stats_is_a_short_summary(migrated_url: str) -> None:
    from datetime import timedelta

    from tests.bot.harness import seed_chat

    async with running_bot(migrated_url, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        admin = bot.api.make_user("Ada", language_code="en", user_id=ADMIN_ID)
        for telegram_id in (8201, 8202):
            await seed_chat(bot.services, telegram_id, born=START.date() - timedelta(days=50))
        summary = await bot.say(admin, "/stats")
        assert "Subscribers: active 2" in summary.plain_text
        assert "Last 7 days: 0 sent, 0 failed, 0 unknown" in summary.plain_text
        assert "Queue: 0 waiting" in summary.plain_text
        parent = bot.api.make_user("Pat", language_code="en")
        assert "/help" in (await bot.say(parent, "/stats")).plain_text


async def test_admin_commands_in_a_group_say_nothing(migrated_url: str) -> None:
    """Every member reads what the bot posts in a group: admin commands (counts, plans,
    reload reports) answer only in an admin's private chat, and in a group say nothing."""
    from datetime import timedelta

    from sqlmodel import func, select

    from domain.models import Delivery
    from tests.bot.harness import seed_chat

    async with running_bot(migrated_url, admin_user_ids=frozenset({ADMIN_ID})) as bot:
        await seed_chat(bot.services, 8301, born=START.date() - timedelta(days=50))
        admin = bot.api.make_user("Ada", language_code="en", user_id=ADMIN_ID)
        member = bot.api.make_user("Bo", language_code="en")
        group = bot.api.make_group("Parents", admins=[admin], members=[member])

        since = len(bot.api.sent)
        for command in ("/stats", f"/preview {TIP}", "/reload", f"/broadcast {TIP}"):
            bot.api.send_text(admin, command, group)
        bot.api.send_text(admin, "/help", group)  # a chat's updates are handled in order
        help_reply = await bot.api.wait_for(
            lambda m: m.chat_id == group.id and "/settings" in (m.text or ""), since=since
        )
        assert [m.plain_text for m in bot.api.sent[since:]] == [help_reply.plain_text]

        # The same admin in private gets the answer; a forged confirmation from a group or
        # from someone else's private chat plans nothing.
        offer = await bot.say(admin, f"/broadcast {TIP}")
        assert f"Broadcast {TIP} to 1 chats" in offer.plain_text
        member_chat = await bot.say(member, "/help")
        for presser, message in ((admin, help_reply), (member, member_chat)):
            calls = len(bot.api.calls)
            bot.api.press_button(presser, message, f"bc:go:{TIP}", strict=False)
            await bot.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=calls)
        async with bot.services.sessions() as session:
            planned = (await session.exec(select(func.count()).select_from(Delivery))).one()
        assert planned == 0
