"""Admin commands: /preview ID [lang] (the tip exactly as subscribers get it), /reload, and
/broadcast TIP_ID (an urgent tip to every matching chat, after showing the count and time).

They answer only people in ADMIN_USER_IDS, and only in their private chat with the bot: in a
group every member would read the reply (subscriber counts, the broadcast plan). Anything else
is left to the fallbacks: the ordinary reply for an unknown command, silence in groups.
"""

from __future__ import annotations

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.handlers.common import answer, here, show
from domain.buttons import Menu, SendBroadcast, Step
from domain.content.errors import RenderError
from domain.content.render import escape
from domain.stats import collect_health, collect_stats
from scheduler.broadcast import BroadcastFilter, plan_broadcast
from scheduler.message import build_tip_message

CANCEL = Step(Menu.BROADCAST, "no")


def admin_in_private(admin_user_ids: frozenset[int]) -> filters.BaseFilter:
    """Messages from a tipsbot admin in their private chat with the bot."""
    return filters.User(user_id=admin_user_ids) & filters.ChatType.PRIVATE


def pressed_by_admin(update: Update, admin_user_ids: frozenset[int]) -> bool:
    """The same check for a button (PTB's message filters would look at the bot's message)."""
    user, chat = update.effective_user, update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == Chat.PRIVATE
        and user.id in admin_user_ids
    )


MAX_ECHO = 80  # characters of an unknown tip id repeated back


async def preview_command(update: Update, context: BotContext) -> None:
    """Send one tip as subscribers would get it: /preview ID [language]."""
    where = await here(update, context)
    message = update.effective_message
    if where is None or message is None:
        return
    library = context.services.library.current
    args = context.args or []
    if not args:
        await message.reply_text("Usage: /preview TIP_ID [language]")
        return
    tip = library.tips.get(args[0])
    if tip is None:
        # Echo at most a tip id's worth: an argument may be as long as a whole message.
        shown = args[0] if len(args[0]) <= MAX_ECHO else args[0][:MAX_ECHO] + "…"
        await message.reply_text(f"No tip with id {shown!r}.")
        return
    language = args[1] if len(args) > 1 else where.t.language
    try:
        built = build_tip_message(
            tip,
            library,
            language,
            context.services.catalogs,
            bot_username=context.bot.username,
            today=context.services.clock().date(),
        )
    except RenderError as exc:
        await message.reply_text(f"{tip.id} cannot be sent: {exc}")
        return
    await context.bot.send_message(
        where.chat_id,
        built.html,
        parse_mode=ParseMode.HTML,
        reply_markup=built.keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=not built.link_preview),
    )


async def reload_command(update: Update, context: BotContext) -> None:
    """Reload the content library now and report what was found."""
    message = update.effective_message
    reloader = context.bot_data.reloader
    if message is None:
        return
    if reloader is None:
        await message.reply_text("Content reload is off (CONTENT_RELOAD_SECONDS=0).")
        return
    library = await reloader.watcher.reload()
    lines = [
        f"Reloaded: {len(library.tips)} tips, {library.translation_count} translations, "
        f"{len(library.errors)} errors, {len(library.warnings)} warnings."
    ]
    base = context.services.settings.content_dir.parent
    lines += [escape(p.format(relative_to=base)) for p in library.errors[:10]]
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast TIP_ID: show how many chats and how long, then send on confirmation."""
    message = update.effective_message
    if message is None:
        return
    args = context.args or []
    tip = context.services.library.current.tips.get(args[0]) if args else None
    if tip is None:
        await message.reply_text("Usage: /broadcast TIP_ID (an existing tip id)")
        return
    plan = await plan_broadcast(
        context.services.sessions,
        tip,
        BroadcastFilter(),
        now=context.services.clock(),
        dry_run=True,
    )
    rate = context.services.settings.effective_send_rate
    minutes = plan.duration(rate).total_seconds() / 60
    text = f"Broadcast {tip.id} to {plan.chats} chats: about {minutes:.1f} min at {rate:g}/s" + (
        f"; {plan.at_night} wait for their quiet hours to end." if plan.at_night else "."
    )
    buttons = [[InlineKeyboardButton("Cancel", callback_data=CANCEL.pack())]]
    if plan.chats:
        buttons.insert(
            0,
            [
                InlineKeyboardButton(
                    f"Send to {plan.chats} chats", callback_data=SendBroadcast(tip.id).pack()
                )
            ],
        )
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(buttons))


async def broadcast_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await answer(query)
    if not pressed_by_admin(update, context.services.settings.admin_user_ids):
        return
    button = SendBroadcast.parse(query.data)
    if button is None:
        await show(update, "Broadcast cancelled.")
        return
    tip = context.services.library.current.tips.get(button.tip_id)
    if tip is None:
        await show(update, "That tip is no longer in the library.")
        return
    plan = await plan_broadcast(
        context.services.sessions,
        tip,
        BroadcastFilter(),
        now=context.services.clock(),
        dry_run=False,
    )
    await show(update, f"Planned {plan.planned} deliveries of {tip.id}; sending now.")


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: a short summary for admins."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    async with services.sessions() as session:
        stats = await collect_stats(session, now=services.clock(), days=7)
        health = await collect_health(session, now=services.clock())
    sent = sum(day.get("sent", 0) for day in stats.deliveries_per_day.values())
    failed = sum(day.get("failed", 0) for day in stats.deliveries_per_day.values())
    unknown_ = sum(day.get("unknown", 0) for day in stats.deliveries_per_day.values())
    lag = stats.lag_median_seconds
    lines = [
        "Subscribers: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats.subscribers_by_status.items())),
        f"Last 7 days: {sent} sent, {failed} failed, {unknown_} unknown",
        f"Median send lag: {lag:.0f} s" if lag is not None else "Median send lag: -",
        f"Queue: {health.queue_depth} waiting, {health.sending} in flight",
        f"429 pauses (24 h): {health.rate_limit_pauses_24h}; content flags: {health.content_flags}",
    ]
    await message.reply_text("\n".join(lines))


def build_handlers(admin_user_ids: frozenset[int]) -> list[BaseHandler[Update, BotContext, None]]:
    admins = admin_in_private(admin_user_ids)
    return [
        CommandHandler("preview", preview_command, filters=admins),
        CommandHandler("reload", reload_command, filters=admins),
        CommandHandler("broadcast", broadcast_command, filters=admins),
        CommandHandler("stats", stats_command, filters=admins),
        CallbackQueryHandler(broadcast_button, pattern=Menu.BROADCAST.pattern),
    ]
