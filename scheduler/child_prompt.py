"""The "expecting, or a baby or child?" question: its buttons, and asking it once more.

The deep-link welcome (bot.handlers.onboarding) asks it; `ask_again` asks the chats that still
have no child after a few tips once more, paced with the tips (the dispatcher's pacer and the
bot's flood budget, through the same sending bot). Each chat is marked before its question
goes out, so it is asked at most once more: a question lost to a failed request is not sent
again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from domain.buttons import ChildQuestion
from domain.child_prompt import claim_chats_to_ask_again
from domain.i18n import Catalogs, Translator
from domain.models import Chat, ChatKind
from scheduler.flood import FloodBudget, Lane
from scheduler.outcomes import Verdict, classify
from scheduler.pacing import Pacer

log = logging.getLogger(__name__)
BATCH = 50  # chats asked per planner tick at most; the rest wait for the next tick
TRIES = 3  # a 429 or a request that certainly did not go out is tried again, up to this


def question_text(t: Translator) -> str:
    return t.gettext("<b>Are you expecting, or do you have a baby or child?</b>")


def ask_again_text(t: Translator) -> str:
    _ = t.gettext
    return "\n".join(
        [
            _("One quick question, if you like."),
            question_text(t),
            _(
                "With a due date or a birth date, the tips follow your pregnancy or your "
                "child's age. I won't ask again."
            ),
        ]
    )


def question_keyboard(t: Translator) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("🤰 Expecting"), callback_data=ChildQuestion("due").pack())],
            [
                InlineKeyboardButton(
                    _("👶 Have a baby or child"), callback_data=ChildQuestion("birth").pack()
                )
            ],
            [InlineKeyboardButton(_("Skip ➡️"), callback_data=ChildQuestion("skip").pack())],
        ]
    )


async def ask_again(
    *,
    sessions: async_sessionmaker[AsyncSession],
    bot: Bot,
    catalogs: Catalogs,
    pacing: Pacing,
    now: datetime,
) -> int:
    """Ask, once more, the chats that skipped the question and have had a few tips since;
    returns how many questions went out."""
    async with sessions() as session:
        chats = await claim_chats_to_ask_again(session, now=now, limit=BATCH)
        await session.commit()
    asked = 0
    for chat in chats:
        asked += await _ask(bot, catalogs, pacing, chat)
    return asked


@dataclass(frozen=True)
class Pacing:
    """The tips' pacing: the per-chat pacer and the bot's flood budget, on their clock."""

    pacer: Pacer
    budget: FloodBudget
    monotonic: Callable[[], float]

    async def wait_for_turn(self, chat: Chat) -> float:
        """Book the chat's next slot, wait for it, then take a turn in the flood budget (after
        any reply waiting); returns the departure time."""
        at = self.pacer.reserve(
            self.monotonic(), chat.telegram_id, chat.kind != ChatKind.PRIVATE.value
        )
        await asyncio.sleep(max(0.0, at - self.monotonic()))
        return await self.budget.acquire(Lane.BULK)

    def rate_limited(self, departed: float, retry_after: float) -> None:
        self.pacer.pause(self.monotonic(), retry_after)
        self.budget.rate_limited(departed, retry_after)


async def _ask(bot: Bot, catalogs: Catalogs, pacing: Pacing, chat: Chat) -> int:
    t = catalogs.for_language(chat.language)
    for _attempt in range(TRIES):
        departed = await pacing.wait_for_turn(chat)
        try:
            await bot.send_message(
                chat.telegram_id,
                ask_again_text(t),
                parse_mode=ParseMode.HTML,
                reply_markup=question_keyboard(t),
            )
        except Exception as exc:  # classified like a tip's failure
            failure = classify(exc)
            if failure.verdict is Verdict.RATE_LIMITED:
                pacing.rate_limited(departed, failure.retry_after)
                continue
            if failure.verdict is Verdict.RETRY:
                continue
            log.info("asking chat %s once more failed: %s", chat.id, failure.verdict.value)
            return 0
        else:
            return 1
    log.info("asking chat %s once more gave up after %d tries", chat.id, TRIES)
    return 0
