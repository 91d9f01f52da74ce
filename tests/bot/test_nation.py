"""The UK nation is asked: one tap in the walk-through, ticked already from the language where
that is a fair guess (Welsh: Wales) or the configured default, and changed in one tap from the
deep-link welcome."""

from __future__ import annotations

import pytest

from domain.models import ChatStatus
from tests.bot.harness import button_labels, running_bot

NATIONS = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}


def ticked(labels: list[str]) -> list[str]:
    return [label.removeprefix("✅ ") for label in labels if label.startswith("✅ ")]


@pytest.mark.parametrize(
    ("language", "default", "guess"),
    [("cy", "england", "wales"), ("en", "england", "england"), ("pl", "scotland", "scotland")],
)
async def test_the_walk_through_asks_the_nation_ticked_from_the_language(
    migrated_url: str, language: str, default: str, guess: str
) -> None:
    async with running_bot(migrated_url, default_region=default) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        gwen = bot.api.make_user("Gwen", language_code=language)
        first = await bot.say(gwen, "/start")
        nation = await bot.tap(gwen, first, "data=ob:done")
        assert _("Step %(n)d of %(total)d") % {"n": 2, "total": 5} in nation.plain_text
        assert (
            _(
                "Where in the UK do you live? Benefits, childcare and some "
                "health services differ between the nations."
            )
            in nation.plain_text
        )
        assert ticked(button_labels(nation)) == [_(NATIONS[guess])]
        profile = await bot.profile(gwen.id)
        assert profile is not None and profile.chat.region == guess

        # One tap on the ticked nation moves on; another nation is stored instead.
        other = "northern-ireland" if guess != "northern-ireland" else "england"
        children = await bot.tap(gwen, nation, f"data=ob:rg:{other}")
        assert _("Step %(n)d of %(total)d") % {"n": 3, "total": 5} in children.plain_text
        profile = await bot.profile(gwen.id)
        assert profile is not None and profile.chat.region == other
        assert profile.chat.setup_step == "children"


@pytest.mark.parametrize(("language", "guess"), [("cy", "wales"), ("ur", "england")])
async def test_a_deep_link_shows_the_nation_ticked_and_changes_it_in_one_tap(
    migrated_url: str, language: str, guess: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        cai = bot.api.make_user("Cai", language_code=language)
        welcome = await bot.say(cai, "/start health")
        labels = button_labels(welcome)
        assert labels[:3] == [_("🤰 Expecting"), _("👶 Have a baby or child"), _("Skip ➡️")]
        assert ticked(labels) == [_(NATIONS[guess])]
        assert (
            _("📍 Tips follow the rules of the nation ticked below; tap yours if it differs.")
            in welcome.plain_text
        )
        profile = await bot.profile(cai.id)
        assert profile is not None and profile.chat.region == guess
        assert profile.chat.status == ChatStatus.ACTIVE

        since = len(bot.api.calls)
        bot.api.press_button(cai, welcome, "ob:rg:scotland")
        saved = _("Saved: tips for %(nation)s.") % {"nation": _("Scotland")}
        await bot.api.wait_for_call(
            lambda c: c.method == "answerCallbackQuery" and c.params.get("text") == saved,
            since=since,
        )
        await bot.api.wait_for_call(lambda c: c.method == "editMessageReplyMarkup", since=since)
        profile = await bot.profile(cai.id)
        assert profile is not None and profile.chat.region == "scotland"
        # The tick moved; the welcome's text and its question stay, one tap away.
        current = bot.api.current_message(cai.id, welcome.message_id) or {}
        now = [b["text"] for row in current["reply_markup"]["inline_keyboard"] for b in row]
        assert ticked(now) == [_("Scotland")]
        assert now[:3] == labels[:3]
        assert current["text"] == welcome.plain_text


async def test_a_deep_link_from_a_known_chat_neither_greets_nor_asks_the_nation_again(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language("pl").gettext
        ola = bot.api.make_user("Ola", language_code="pl")
        first = await bot.say(ola, "/start learning")
        greeting = _(
            "Hello! I'm tipsbot. I send short, trusted tips for families: "
            "health, money and benefits, and learning through play."
        )
        assert greeting in first.plain_text
        await bot.tap(ola, first, _("Skip ➡️"))

        again = await bot.say(ola, "/start health")
        assert greeting not in again.plain_text
        assert _("You're subscribed to %(topic)s.").split("%")[0] in again.plain_text
        assert not [label for label in button_labels(again) if "rg:" in label]
        assert not any(_("Wales") in label for label in button_labels(again))
