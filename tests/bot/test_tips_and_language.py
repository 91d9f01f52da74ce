"""One tip now, its buttons, the settings screen and switching language."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from domain.models import Delivery, DeliveryStatus, Feedback
from tests.bot.harness import button_labels, running_bot
from tests.bot.test_settings_flows import onboard


async def test_tip_now_with_feedback_more_and_share(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ivy = bot.api.make_user("Ivy", language_code="en")
        await onboard(bot, ivy)
        general = await bot.say(ivy, "/tip")  # no child yet: a tip for every family
        tip_id = general.button_data[0].split(":")[-1]
        assert bot.services.library.current.tips[tip_id].is_for_everyone
        question = await bot.tap(ivy, await bot.say(ivy, "/children"), "due date")
        await bot.say(ivy, "1 March 2027", reply_to=question)
        tip = await bot.say(ivy, "/tip")
        assert tip.parse_mode == "HTML"
        labels = button_labels(tip)
        assert "👍" in labels and "👎" in labels
        assert any(label.startswith("More on") for label in labels)
        share = [
            b for row in (tip.reply_markup or {})["inline_keyboard"] for b in row if "url" in b
        ]
        assert share and "t.me" in share[0]["url"] and "start%3D" in share[0]["url"]

        await bot.press(ivy, tip, "👎")
        await bot.press(ivy, tip, "👍")  # changing one's mind updates, not duplicates
        more = await bot.tap(ivy, tip, "More on")
        assert more.message_id != tip.message_id

        for _ in range(100):  # the ledger is written just after the message goes out
            async with bot.services.sessions() as session:
                votes = (await session.exec(select(Feedback))).all()
                query = select(Delivery).order_by(col(Delivery.id))
                deliveries = (await session.exec(query)).all()
            if all(d.status == DeliveryStatus.SENT for d in deliveries):
                break
            await asyncio.sleep(0.02)
        assert [v.value for v in votes] == [1]
        assert len(deliveries) == 3  # the general tip, the stage tip, one more on the topic
        assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
        assert len({d.tip_id for d in deliveries}) == 3
        assert all(d.telegram_message_id for d in deliveries)
        assert bot.api.messages_to(ivy.id)[-1].plain_text


async def test_switching_language_changes_every_reply(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        jo = bot.api.make_user("Jo", language_code="en")
        await onboard(bot, jo)
        menu = await bot.say(jo, "/settings")
        assert "Your settings" in menu.plain_text
        languages = await bot.tap(jo, menu, "Language")
        assert "Cymraeg" in button_labels(languages)
        done = await bot.tap(jo, languages, "Cymraeg")
        assert "Cymraeg" in done.plain_text
        help_text = await bot.say(jo, "/help")
        assert "/settings" in help_text.plain_text
        assert "How tipsbot works" not in help_text.plain_text
        profile = await bot.profile(jo.id)
        assert profile is not None and profile.chat.language == "cy"

        urdu = await bot.tap(jo, await bot.say(jo, "/language"), "اردو")
        assert any("\u0600" <= ch <= "\u06ff" for ch in urdu.plain_text)


async def test_forged_feedback_is_answered_and_not_stored(migrated_url: str) -> None:
    """The Bot API lets a client send any callback data: thumbs for a tip id that is not in
    the library are answered, and neither stored nor listed among the least helpful tips."""
    from domain.stats import collect_stats

    async with running_bot(migrated_url) as bot:
        ivy = bot.api.make_user("Ivy", language_code="en")
        await onboard(bot, ivy)
        tip = await bot.say(ivy, "/tip")
        real_tip = tip.button_data[0].split(":")[-1]
        forged = "h-not-in-the-library"
        assert forged not in bot.services.library.current.tips
        for data in (f"fb:d:{forged}", f"fb:d:{forged}-too", f"fb:d:{real_tip}"):
            since = len(bot.api.calls)
            bot.api.press_button(ivy, tip, data, strict=False)
            await bot.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=since)

        async with bot.services.sessions() as session:
            votes = (await session.exec(select(Feedback))).all()
            stats = await collect_stats(session, now=bot.clock(), days=7)
        assert [(v.tip_id, v.value) for v in votes] == [(real_tip, -1)]  # the real one counts
        assert [s.tip_id for s in stats.least_helpful] == [real_tip]
