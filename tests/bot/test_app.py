"""How the Application talks to Telegram."""

from __future__ import annotations

from scheduler.transport import AiohttpRequest
from tests.bot.harness import running_bot


async def test_replies_go_over_aiohttp_while_polling_keeps_its_own_request(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url) as bot:
        assert isinstance(bot.app.bot.request, AiohttpRequest)
        ana = bot.api.make_user("Ana", language_code="en")
        reply = await bot.say(ana, "/start")  # received by long polling, answered over aiohttp
        assert "Step 1 of 5" in reply.plain_text
