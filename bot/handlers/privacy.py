"""/mydata (everything stored about this chat) and /forget (erase it all, after a confirmation)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import pack, pattern, unpack
from bot.context import BotContext
from bot.handlers.children import describe_child
from bot.handlers.common import answer, for_settings, here, may_change_settings, show
from bot.handlers.language import native_name, region_name
from bot.texts import schedule_line, topics_line
from domain.chats import export_chat, forget_chat, get_chat, load_profile
from domain.content.render import escape


async def mydata_command(update: Update, context: BotContext) -> None:
    """Show everything tipsbot stores about this chat."""
    where = await for_settings(update, context)
    if where is None:
        return
    _ = where.t.gettext
    if where.row is None:
        await show(update, _("I store nothing about this chat."))
        return
    today = context.services.clock().date()
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        profile = await load_profile(session, chat=chat)
        data = await export_chat(session, telegram_id=where.chat_id)
    counts = data["counts"]
    library = context.services.library.current
    children = [describe_child(c, today, where.t) for c in profile.children] or [_("none")]
    lines = [
        _("<b>What tipsbot stores about this chat</b>"),
        _("Chat id: %(id)s (%(kind)s)") % {"id": chat.telegram_id, "kind": chat.kind},
        _("Language: %(language)s") % {"language": native_name(chat.language)},
        _("Nation: %(nation)s") % {"nation": region_name(chat.region, where.t)},
        _("Status: %(status)s") % {"status": chat.status},
        _("Topics: %(topics)s") % {"topics": topics_line(profile, library, where.t)},
        _("Children: %(children)s") % {"children": escape("; ".join(children))},
        schedule_line(profile, where.t),
        _("Since: %(date)s") % {"date": where.t.date(chat.created_at.date())},
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
        _("No names, phone numbers or messages you write are stored. /forget erases all of this."),
    ]
    await show(update, "\n".join(lines))


async def forget_command(update: Update, context: BotContext) -> None:
    """Ask for a confirmation before erasing."""
    where = await for_settings(update, context)
    if where is None:
        return
    _ = where.t.gettext
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, erase everything"), callback_data=pack("fg", "yes"))],
            [InlineKeyboardButton(_("No, keep it"), callback_data=pack("fg", "no"))],
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
    where = await here(update, context)
    if query is None or where is None:
        await answer(query)
        return
    if not await may_change_settings(update, context, where.t):
        return
    _ = where.t.gettext
    await answer(query)
    if unpack(query.data)[1:] != ["yes"]:
        await show(update, _("Nothing was erased."))
        return
    async with context.services.sessions() as session:
        await forget_chat(session, telegram_id=where.chat_id)
        await session.commit()
    context.chat_state.pending = None
    await show(
        update,
        _("Done: everything about this chat is erased. Send /start if you ever want tips again."),
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("mydata", mydata_command),
        CommandHandler("forget", forget_command),
        CallbackQueryHandler(forget_button, pattern=pattern("fg")),
    ]
