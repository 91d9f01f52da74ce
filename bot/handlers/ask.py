"""Ask tipsbot: free text in a private chat (or `/ask <question>` anywhere) is a question,
answered with the nation's urgent-help tip first when it names a danger sign, then the 1-3
best tips, rendered as scheduled tips are, each with "not what I asked" under it. Below the
confidence threshold the answer is an honest "no tip on that yet" and the topics, never a
guess. Also: "stop" and "help" typed as words, and media in a private chat.

Asking stores nothing about the chat: each question adds one to a count per day, topic,
language and outcome (domain.questions), and only with ASK_KEEP_UNANSWERED is the text of an
unanswered question kept, without any chat id. Tips given as answers do not count as sent for
the schedule: they are not deliveries (a chat need not have a row to ask, and a delivery row
would tie the chat to what it asked), and a tip the family asked about early still comes at
its timely moment, when it is most use.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import pause
from bot.handlers.common import Here, answer, here
from bot.handlers.help import help_command
from bot.handlers.tips import CHOSEN, mark_choice
from domain.ask import Answer, Asker, answer_question
from domain.buttons import Menu, MoreOnTopic, NotWhatIAsked
from domain.chats import get_chat, load_profile
from domain.content.errors import RenderError
from domain.content.model import Library, Tip
from domain.content.render import escape
from domain.db import read_session
from domain.i18n import Translator
from domain.models import AskKind
from domain.questions import count_question, keep_unanswered, utc_today
from domain.selection import ChildStage
from scheduler.message import TipMessage, build_tip_message

log = logging.getLogger(__name__)

# A whole message that is one of these words (any case, end punctuation ignored) is a command,
# not a question. Every language's words count in every chat: parents mix languages, and none
# of these is a question on its own. The imperatives are the ones the bot's own menus use
# ("Stopio pob awgrym", "Зупинити всі поради", "تمام مشورے بند کریں"): Welsh "stopio" /
# "stopiwch"; Polish "zatrzymaj"; Ukrainian "зупинити" / "зупини" / "зупиніть"; Urdu "بند" (off),
# "بند کریں" / "بند کرو" (turn off, polite / familiar), "روکیں" / "روکو" (stop), and the same in
# Roman Urdu, as many type it. Help: Welsh "cymorth" / "helpu", Polish "pomoc" / "pomocy",
# Ukrainian "допомога" / "довідка" / "допоможіть", Urdu "مدد" / "madad".
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"stop", "unsubscribe"}),
    "cy": frozenset({"stop", "stopio", "stopiwch"}),
    "pl": frozenset({"stop", "zatrzymaj"}),
    "uk": frozenset({"стоп", "зупинити", "зупини", "зупиніть"}),
    "ur": frozenset(
        {"بند", "بند کریں", "بند کرو", "روکیں", "روکو", "band karo", "band karein", "band karen"}
    ),
}
HELP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"help"}),
    "cy": frozenset({"help", "helpu", "cymorth"}),
    "pl": frozenset({"pomoc", "pomocy"}),
    "uk": frozenset({"допомога", "довідка", "допоможіть"}),
    "ur": frozenset({"مدد", "madad"}),
}
# A greeting or a thank-you alone is not a question: the search would find a tip that shares a
# word ("Say hello to your bump"), so these get a short reply instead, as does text with no
# letters at all (a date, a number, emoji), typed after a question of ours was closed.
GREETINGS: dict[str, frozenset[str]] = {
    "en": frozenset({"hello", "hi", "hey", "hiya", "helo", "good morning", "good evening"}),
    "cy": frozenset({"helo", "shwmae", "s'mae", "haia", "bore da", "prynhawn da", "noswaith dda"}),
    "pl": frozenset({"cześć", "czesc", "hej", "witam", "siema", "dzień dobry", "dzien dobry"}),
    "uk": frozenset({"привіт", "вітаю", "добрий день", "доброго ранку", "добрий вечір"}),
    "ur": frozenset(
        {"سلام", "السلام علیکم", "اسلام علیکم", "ہیلو", "ہائے", "salam", "aoa", "assalam o alaikum"}
    ),
}
THANKS: dict[str, frozenset[str]] = {
    "en": frozenset({"thanks", "thank you", "thank you so much", "thx", "ty", "cheers", "ok"}),
    "cy": frozenset({"diolch", "diolch yn fawr", "ok"}),
    "pl": frozenset({"dzięki", "dzieki", "dziękuję", "dziekuje", "ok", "okej"}),
    "uk": frozenset({"дякую", "дуже дякую", "спасибі", "ок"}),
    "ur": frozenset({"شکریہ", "بہت شکریہ", "shukriya", "ok"}),
}
ANY_GREETING = frozenset().union(*GREETINGS.values())
ANY_THANKS = frozenset().union(*THANKS.values())
ANY_STOP_WORD = frozenset().union(*STOP_WORDS.values())
ANY_HELP_WORD = frozenset().union(*HELP_WORDS.values())
_EDGES = " \t\n.!?¡¿,;:…؟۔،!\"'“”«»()"

GROUP_ANSWERS_PER_HOUR = 6
"""/ask in a group: at most this many answers an hour, whoever asks (each is up to four
messages to everyone in the group); a question with a danger sign still gets the urgent tips."""
HOUR = timedelta(hours=1)

MEDIA = (
    filters.PHOTO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)


def command_word(text: str) -> str:
    """`text` as a possible command word: case folded, inner spaces single, end punctuation
    and spaces removed."""
    return re.sub(r"\s+", " ", text.strip(_EDGES).casefold())


async def on_free_text(update: Update, context: BotContext) -> None:
    """Text with no question of ours open: "stop", "help", or a question (private chats only:
    in groups the bot sees other text only with privacy mode off, and answers /ask alone)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type != "private" or not message.text:
        return
    word = command_word(message.text)
    if word in ANY_STOP_WORD:
        await pause.stop_command(update, context)
    elif word in ANY_HELP_WORD:
        await help_command(update, context)
    elif word in ANY_THANKS:
        await reply_small_talk(update, context, thanks=True)
    elif word in ANY_GREETING or not any(ch.isalpha() for ch in word):
        await reply_small_talk(update, context, thanks=False)
    else:
        await reply_to_question(update, context, message.text)


async def reply_small_talk(update: Update, context: BotContext, *, thanks: bool) -> None:
    """A greeting, a thank-you, or text with no words: a short reply that says what to do."""
    where = await here(update, context)
    message = update.effective_message
    if where is None or message is None:
        return
    _ = where.t.gettext
    await message.reply_text(
        _("You're welcome! Ask me another question any time.")
        if thanks
        else _(
            "Hello! Ask me anything about your child's health, your family's money or "
            "learning at home, in your own words, or send /help."
        )
    )


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask <question>: in private chats and groups, where any member may ask."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or [])
    if not question.strip():
        where = await here(update, context)
        if where is None:
            return
        _ = where.t.gettext
        hint = (
            _("Write your question in a message, in your own words.")
            if where.is_private
            else _("Write your question after the command, for example: /ask teething gel")
        )
        await message.reply_text(hint)
        return
    await reply_to_question(update, context, question)


async def on_media(update: Update, context: BotContext) -> None:
    """A photo, sticker, voice note, file ... in a private chat: say what the bot reads."""
    where = await here(update, context)
    message = update.effective_message
    if where is None or message is None:
        return
    _ = where.t.gettext
    await message.reply_text(
        _(
            "I can only read text. Type your question in words, or send a command such as "
            "/tip or /help."
        )
    )


async def family_of(update: Update, context: BotContext) -> tuple[Here, Asker]:
    """Who asks: the chat's language, nation and children (the defaults for a chat that has
    no row: its user's language, the default nation, no children)."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    async with read_session(services.sessions) as session:
        row = await get_chat(session, telegram_id=chat.id)
        children = (await load_profile(session, chat=row)).children if row else ()
    where = await here(update, context) if row is None else None
    if where is None:
        assert row is not None
        t = services.catalogs.for_language(row.language)
        where = Here(chat.id, chat.type == "private", row, t)
    stages = tuple(
        ChildStage(c.due_date, c.birth_date, stopped=c.content_stopped_at is not None)
        for c in children
    )
    region = row.region if row is not None else services.settings.default_region
    return where, Asker(language=where.t.language, nation=region, stages=stages)


async def reply_to_question(update: Update, context: BotContext, question: str) -> None:
    """Answer `question` in this chat (and count it), or say honestly that no tip fits."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    now = services.clock()
    library = services.library.current
    where, asker = await family_of(update, context)
    index = await context.bot_data.ask.current(library, services.settings.content_dir, now.date())
    result = None
    if index is not None:  # tens of milliseconds of vector maths: off the event loop
        result = await asyncio.to_thread(answer_question, index, question, asker, today=now.date())
    await record(context, question, asker.language, result)
    if not where.is_private and not within_group_limit(context, now):
        if result is None or not result.urgent:  # a danger sign is answered, whatever the limit
            await tell_group_limit(message, context, where.t)
            return
        result = replace(result, tips=())
    if result is None or not result.shown:
        await reply_no_tip(message, library, where.t)
        return
    await reply_with_tips(message, context, result, where.t)


def within_group_limit(context: BotContext, now: datetime) -> bool:
    """Count one answer against the group's hourly limit; False when it is reached."""
    state = context.chat_state
    recent = [at for at in state.answers_on_request if now - at < HOUR]
    if len(recent) >= GROUP_ANSWERS_PER_HOUR:
        state.answers_on_request = recent
        return False
    state.answers_on_request = [*recent, now]
    state.told_ask_limit = False
    return True


async def tell_group_limit(message: Message, context: BotContext, t: Translator) -> None:
    """Say once that the group has had its answers for the hour (more would be the noise the
    limit is there to stop)."""
    state = context.chat_state
    if state.told_ask_limit:
        return
    state.told_ask_limit = True
    await message.reply_text(
        t.gettext(
            "That is as many answers as a group can have in an hour. Ask me in a private "
            "chat, or here again later."
        )
    )


async def record(context: BotContext, question: str, language: str, result: Answer | None) -> None:
    """Count the question by outcome; keep an unanswered text only if the operator said so."""
    services = context.services
    now = services.clock()
    answered = result is not None and bool(result.shown)
    kinds = [AskKind.ASKED, AskKind.ANSWERED if answered else AskKind.UNANSWERED]
    if result is not None and result.urgent:
        kinds.append(AskKind.URGENT)
    topic = result.topic if result is not None else None
    async with services.sessions() as session:
        await count_question(
            session, day=utc_today(now), topic=topic, language=language, kinds=kinds
        )
        if not answered and services.settings.ask_keep_unanswered:
            await keep_unanswered(session, now=now, language=language, topic=topic, text=question)
        await session.commit()


async def reply_with_tips(
    message: Message, context: BotContext, result: Answer, t: Translator
) -> None:
    """The urgent tips first, then a note if the texts are not in the chat's language, then
    the tips; each as scheduled tips look, plus "not what I asked"."""
    services = context.services
    library = services.library.current
    today = services.clock().date()
    built = [
        (tip, rendered)
        for tip in result.shown
        if (rendered := render(tip, library, t, context, today)) is not None
    ]
    urgent = [(tip, m) for tip, m in built if tip in result.urgent]
    rest = [(tip, m) for tip, m in built if tip not in result.urgent]
    for tip, rendered in urgent:
        await send_tip(message, tip, rendered, t)
    fell_back = result.language != t.language or any(m.language != t.language for _, m in rest)
    if rest and fell_back:
        _ = t.gettext
        await message.reply_text(
            _("I have no tips on this in your language yet, so here they are in English.")
        )
    for tip, rendered in rest:
        await send_tip(message, tip, rendered, t)
    if not built:
        await reply_no_tip(message, library, t)


def render(
    tip: Tip, library: Library, t: Translator, context: BotContext, today: date
) -> TipMessage | None:
    tip = library.tips.get(tip.id, tip)  # the library in service, should the index be older
    try:
        return build_tip_message(
            tip,
            library,
            t.language,
            context.services.catalogs,
            bot_username=context.bot.username,
            today=today,
        )
    except RenderError as exc:
        log.warning("answer tip %s cannot be rendered: %s", tip.id, exc)
        return None


async def send_tip(message: Message, tip: Tip, rendered: TipMessage, t: Translator) -> None:
    """One tip as the scheduler sends it (text or photo, same keyboard), through the bot's
    reply limiter, plus a last row: "not what I asked"."""
    _ = t.gettext
    rows = [
        *rendered.keyboard.inline_keyboard,
        [InlineKeyboardButton(_("Not what I asked"), callback_data=NotWhatIAsked(tip.id).pack())],
    ]
    keyboard = InlineKeyboardMarkup(rows)
    if rendered.image is not None:
        with rendered.image.open("rb") as photo:
            await message.reply_photo(
                photo, caption=rendered.html, parse_mode=ParseMode.HTML, reply_markup=keyboard
            )
        return
    await message.reply_text(
        rendered.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=not rendered.link_preview),
    )


async def reply_no_tip(message: Message, library: Library, t: Translator) -> None:
    """The honest answer: no tip on that yet, what the bot has tips on, and where to go."""
    _ = t.gettext
    lines = [
        _("I don't have a tip on that yet. Our editors see which questions have no answer."),
        _(
            "If you are worried about your child's health, talk to your GP, midwife or health "
            "visitor; in an emergency call 999."
        ),
        "",
        _("<b>What I have tips on</b> (tap for one):"),
    ]
    lines += [
        f"{topic.emoji} <b>{escape(topic.name(t.language))}</b>: "
        f"{escape(topic.description(t.language))}"
        for topic in library.topics.values()
    ]
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{topic.emoji} {topic.name(t.language)}",
                    callback_data=MoreOnTopic(topic.id).pack(),
                )
            ]
            for topic in library.topics.values()
        ]
    )
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def not_what_i_asked(update: Update, context: BotContext) -> None:
    """ "Not what I asked" under an answer: counted once per message for the tip's topic and
    the chat's language (no chat, no text), and ticked."""
    query = update.callback_query
    if query is None:
        return
    button = NotWhatIAsked.parse(query.data)
    tip = context.services.library.current.tips.get(button.tip_id) if button else None
    where = await here(update, context)
    if button is None or tip is None or where is None:
        await answer(query)  # forged, or a tip no longer in the library
        return
    if not _already_chosen(query.message, query.data):
        async with context.services.sessions() as session:
            await count_question(
                session,
                day=utc_today(context.services.clock()),
                topic=tip.primary_topic,
                language=where.t.language,
                kinds=[AskKind.NOT_WHAT_I_ASKED],
            )
            await session.commit()
    _ = where.t.gettext
    await answer(query, _("Thank you! Our editors will see it. Try asking in other words, too."))
    await mark_choice(query.message, button)


def _already_chosen(message: object, data: str | None) -> bool:
    """Whether the button pressed is ticked already (a second tap is not counted again)."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    return any(
        b.callback_data == data and b.text.startswith(CHOSEN)
        for row in message.reply_markup.inline_keyboard
        for b in row
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("ask", ask_command),
        CallbackQueryHandler(not_what_i_asked, pattern=Menu.ASK.pattern),
        MessageHandler(filters.ChatType.PRIVATE & MEDIA & ~filters.UpdateType.EDITED, on_media),
    ]
