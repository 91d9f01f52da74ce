"""The questions about a chat's children that the delivery engine sends, and their buttons.

"Expecting, or a baby or child?": the deep-link welcome (bot.handlers.onboarding) asks it;
`ask_again` asks the chats that still have no child after a few tips once more. "Has your baby
arrived?": `ask_about_arrivals` asks the chats whose due date has come (domain.child_prompt
says when); bot.handlers.children takes the answers. Both are paced with the tips (the
dispatcher's pacer and the bot's flood budget, through the same sending bot). Each chat is
marked before its question goes out, so it is asked at most once per occasion: a question lost
to a failed request is not sent again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from domain.buttons import ArrivalAnswer, ChildQuestion
from domain.child_prompt import ArrivalQuestion, claim_arrival_questions, claim_chats_to_ask_again
from domain.i18n import Catalogs, Translator
from domain.models import Chat, ChatKind, Child
from scheduler.paced import Pacing, send_paced

BATCH = 50  # chats asked per planner tick at most; the rest wait for the next tick


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


def arrival_text(child: Child, t: Translator) -> str:
    _ = t.gettext
    assert child.due_date is not None, "asked about a pregnancy"
    return "\n".join(
        [
            _("Your baby was due on %(date)s. We hope you are well.")
            % {"date": t.date(child.due_date)},
            _("<b>Has your baby arrived?</b>"),
            _("Tell us with one tap, and the tips will follow your baby from birth."),
        ]
    )


def arrival_keyboard(child: Child, t: Translator) -> InlineKeyboardMarkup:
    _ = t.gettext
    assert child.id is not None, "a stored child"

    def row(label: str, choice: str) -> list[InlineKeyboardButton]:
        data = ArrivalAnswer(choice, child.id).pack()  # type: ignore[arg-type]
        return [InlineKeyboardButton(label, callback_data=data)]

    return InlineKeyboardMarkup(
        [
            row(_("👶 Yes, our baby is born"), "born"),
            row(_("⏳ Not yet"), "notyet"),
            row(_("Our situation has changed"), "other"),
        ]
    )


async def ask_about_arrivals(
    *,
    sessions: async_sessionmaker[AsyncSession],
    bot: Bot,
    catalogs: Catalogs,
    pacing: Pacing,
    now: datetime,
) -> int:
    """Ask "has your baby arrived?" of the chats whose due date has come (or came a week ago
    without an answer), in their send slot; returns how many questions went out."""
    async with sessions() as session:
        questions = await claim_arrival_questions(session, now=now, limit=BATCH)
        await session.commit()
    asked = 0
    for question in questions:
        asked += await _ask_about_arrival(bot, catalogs, pacing, question)
    return asked


async def _ask_about_arrival(
    bot: Bot, catalogs: Catalogs, pacing: Pacing, question: ArrivalQuestion
) -> int:
    t = catalogs.for_language(question.chat.language)
    text, keyboard = arrival_text(question.child, t), arrival_keyboard(question.child, t)
    return await _send(bot, pacing, question.chat, text, keyboard)


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


async def _ask(bot: Bot, catalogs: Catalogs, pacing: Pacing, chat: Chat) -> int:
    t = catalogs.for_language(chat.language)
    return await _send(bot, pacing, chat, ask_again_text(t), question_keyboard(t))


async def _send(
    bot: Bot, pacing: Pacing, chat: Chat, text: str, keyboard: InlineKeyboardMarkup
) -> int:
    """Send one question in the chat's turn; 1 when it went out, else 0."""
    return await send_paced(
        bot,
        pacing,
        chat_id=chat.id,
        telegram_id=chat.telegram_id,
        group=chat.kind != ChatKind.PRIVATE.value,
        text=text,
        what="a question",
        keyboard=keyboard,
        parse_mode=ParseMode.HTML,
    )
