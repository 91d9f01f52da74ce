"""/mydata (everything stored about this chat) and /forget (erase it all, after a confirmation)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.children import describe_child
from bot.handlers.common import answer, here, may_change_settings, show, stored_chat_unit
from bot.handlers.help import question_privacy
from bot.handlers.language import native_name, region_name
from bot.texts import schedule_line, topics_line
from domain.buttons import Menu, Step
from domain.chats import count_stored, forget_chat
from domain.content.render import escape
from domain.db import checkpoint_erased
from domain.i18n import N_
from domain.models import ChatKind, ChatStatus

ERASE = Step(Menu.FORGET, "yes")
KEEP = Step(Menu.FORGET, "no")
# The stored kind and status, as words in the chat's language.
KIND_NAMES = {
    ChatKind.PRIVATE: N_("private chat"),
    ChatKind.GROUP: N_("group"),
    ChatKind.SUPERGROUP: N_("group"),
}
STATUS_NAMES = {
    ChatStatus.ONBOARDING: N_("being set up"),
    ChatStatus.ACTIVE: N_("receiving tips"),
    ChatStatus.PAUSED: N_("paused"),
    ChatStatus.STOPPED: N_("stopped"),
    ChatStatus.BLOCKED: N_("unreachable (Telegram refuses delivery)"),
}


def stored_word(names: dict[ChatKind, str] | dict[ChatStatus, str], value: str) -> str:
    """The translatable name of a stored value; the value itself if it is a new one."""
    return next((name for key, name in names.items() if key.value == value), value)


async def mydata_command(update: Update, context: BotContext) -> None:
    """Show everything tipsbot stores about this chat (nothing is stored by asking)."""
    asked_in, user = update.effective_chat, update.effective_user
    if asked_in is None or user is None:
        return
    if not await context.bot_data.admins.is_admin(context.bot, asked_in, user.id):
        await mydata_is_private(update, context)
        return
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            profile = await unit.profile()
            counts = await count_stored(unit.session, chat_id=unit.id)
    if unit is None:
        where = await here(update, context)
        if where is not None:
            await show(update, where.t.gettext("I store nothing about this chat."))
        return
    t, chat = unit.t, unit.chat
    _ = t.gettext
    today = context.services.clock().date()
    library = context.services.library.current
    children = [describe_child(c, today, t) for c in profile.children] or [_("none")]
    kind = _(stored_word(KIND_NAMES, chat.kind))
    lines = [
        _("<b>What tipsbot stores about this chat</b>"),
        _("Chat id: %(id)s (%(kind)s)") % {"id": chat.telegram_id, "kind": kind},
        _("Language: %(language)s") % {"language": native_name(chat.language)},
        _("Nation: %(nation)s") % {"nation": region_name(chat.region, t)},
        _("Status: %(status)s") % {"status": _(stored_word(STATUS_NAMES, chat.status))},
        _("Topics: %(topics)s") % {"topics": topics_line(profile, library, t)},
        _("Children: %(children)s") % {"children": escape(t.join_clauses(children))},
        schedule_line(profile, t),
        _("Since: %(date)s") % {"date": t.date(chat.created_at.date())},
        _(
            "Tips planned or sent: %(n)d; delivery attempts: %(a)d; thumbs "
            "up or down: %(f)d; settings changes: %(e)d"
        )
        % {
            "n": counts["deliveries"],
            "a": counts["delivery_attempts"],
            "f": counts["feedback"],
            "e": counts["events"],
        },
        _("Answers to “did you try it?”: %(n)d") % {"n": counts["tried"]},
        _("No names, phone numbers or messages you write are stored. /forget erases all of this."),
        *question_privacy(context, t),
    ]
    await show(update, "\n".join(lines))


async def mydata_is_private(update: Update, context: BotContext) -> None:
    """A group member's /mydata: what they want is their own data, shown in a private chat;
    about the group only its settings are stored, and those are for its admins."""
    where = await here(update, context)
    if where is None:
        return
    _ = where.t.gettext
    text = _(
        "/mydata shows what I store about you in a private chat with me. About this group "
        "I store only its settings, which its admins can see."
    )
    button = InlineKeyboardButton(
        _("Open a private chat"), url=f"https://t.me/{context.bot.username}"
    )
    await show(update, text, InlineKeyboardMarkup([[button]]))


async def forget_command(update: Update, context: BotContext) -> None:
    """Ask for a confirmation before erasing."""
    if not await may_change_settings(update, context):
        return
    where = await here(update, context)
    if where is None:
        return
    _ = where.t.gettext
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, erase everything"), callback_data=ERASE.pack())],
            [InlineKeyboardButton(_("No, keep it"), callback_data=KEEP.pack())],
        ]
    )
    await show(
        update,
        _(
            "Erase everything tipsbot stores about this chat? Your settings, children "
            "and tip history will be gone, and no more tips will come."
        ),
        markup,
    )


async def forget_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    erase = Step.parse(query.data) == ERASE
    async with stored_chat_unit(update, context) as unit:
        if unit is not None and erase:
            await forget_chat(unit.session, telegram_id=unit.chat.telegram_id)
    if unit is not None and erase:
        await checkpoint_erased(context.services.db)
    await answer(query)
    where = unit or await here(update, context)
    if where is None:
        return
    _ = where.t.gettext
    if not erase:
        await show(update, _("Nothing was erased."))
        return
    context.chat_state.pending = None
    await show(
        update,
        _("Done: everything about this chat is erased. Send /start if you ever want tips again."),
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("mydata", mydata_command),
        CommandHandler("forget", forget_command),
        CallbackQueryHandler(forget_button, pattern=Menu.FORGET.pattern),
    ]
