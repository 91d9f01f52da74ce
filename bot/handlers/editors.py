"""Admin commands for editors: /preview ID [lang] (the tip exactly as subscribers get it), /reload.

Anyone not in ADMIN_USER_IDS gets the ordinary reply for an unknown command.
"""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import here
from bot.handlers.help import unknown
from domain.content.errors import RenderError
from domain.content.render import escape
from scheduler.message import build_tip_message


def is_admin(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.services.settings.admin_user_ids


async def preview_command(update: Update, context: BotContext) -> None:
    """Send one tip as subscribers would get it: /preview ID [language]."""
    if not is_admin(update, context):
        await unknown(update, context)
        return
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
        await message.reply_text(f"No tip with id {args[0]!r}.")
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
    if not is_admin(update, context):
        await unknown(update, context)
        return
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


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("preview", preview_command), CommandHandler("reload", reload_command)]
