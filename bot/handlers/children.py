"""/children: add, change and remove children (due or birth dates), and "our situation has changed".

Dates are typed as a reply to the bot's question (ForceReply, so it works in groups under
privacy mode). No names are asked or stored.
"""

from __future__ import annotations

import contextlib
from datetime import date

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import pack, pattern, small_int, unpack
from bot.context import BotContext, PendingInput
from bot.handlers.common import answer, for_settings, here, may_change_settings, profile_for, show
from bot.texts import sentence_case
from domain.chats import add_child, get_child, remove_child
from domain.dates import (
    DateInputError,
    DateProblem,
    check_birth_date,
    check_due_date,
    parse_user_date,
)
from domain.i18n import Translator
from domain.models import Child
from domain.selection import ChildStage


def describe_child(child: Child, today: date, t: Translator) -> str:
    _ = t.gettext
    if child.content_stopped_at is not None:
        return _("tips paused for this child")
    stage = ChildStage(due_date=child.due_date, birth_date=child.birth_date)
    if child.birth_date is not None:
        days = (today - child.birth_date).days
        if days < 7 * 8:
            age = t.ngettext("%(n)d week old", "%(n)d weeks old", days // 7) % {"n": days // 7}
        elif days < 730:
            months = int(days / 30.44)
            age = t.ngettext("%(n)d month old", "%(n)d months old", months) % {"n": months}
        else:
            years = int(days / 365.25)
            age = t.ngettext("%(n)d year old", "%(n)d years old", years) % {"n": years}
        return _("born %(date)s, %(age)s") % {"date": t.date(child.birth_date), "age": age}
    assert child.due_date is not None
    week = stage.pregnancy_week(today) or 0
    return _("due %(date)s, %(weeks)s") % {
        "date": t.date(child.due_date),
        "weeks": t.ngettext("%(n)d week pregnant", "%(n)d weeks pregnant", week) % {"n": week},
    }


def children_view(
    children: tuple[Child, ...], today: date, t: Translator, *, back_to: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The list of children with buttons; `back_to` is "ob" in onboarding, else "ch"."""
    _ = t.gettext
    if children:
        lines = [_("<b>Your children</b> (tips follow each one's stage):")]
        lines += [f"{n}. {describe_child(c, today, t)}" for n, c in enumerate(children, 1)]
    else:
        lines = [
            _("<b>Add a child?</b> Tips then follow the pregnancy or your child's age."),
            _("You can skip this and still get tips for everyone."),
        ]
    rows = [
        [InlineKeyboardButton(f"✏️ {n}", callback_data=pack("ch", "open", c.id or 0, back_to))]
        for n, c in enumerate(children, 1)
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _("🤰 Add a due date"), callback_data=pack("ch", "add", "due", back_to)
            ),
            InlineKeyboardButton(
                _("👶 Add a birth date"), callback_data=pack("ch", "add", "birth", back_to)
            ),
        ]
    )
    if back_to == "ob":
        label = _("Next ➡️") if children else _("Skip ➡️")
        rows.append([InlineKeyboardButton(label, callback_data=pack("ob", "freq"))])
    else:
        rows.append([InlineKeyboardButton(_("Done"), callback_data=pack("ch", "done"))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def child_view(
    child: Child, today: date, t: Translator, back_to: str
) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    rows = [
        [
            InlineKeyboardButton(
                _("Change the date"), callback_data=pack("ch", "edit", child.id or 0, back_to)
            )
        ],
        [
            InlineKeyboardButton(
                _("Our situation has changed"),
                callback_data=pack("ch", "changed", child.id or 0, back_to),
            )
        ],
        [
            InlineKeyboardButton(
                _("Remove"), callback_data=pack("ch", "remove", child.id or 0, back_to)
            )
        ],
        [InlineKeyboardButton(_("⬅️ Back"), callback_data=pack("ch", "list", back_to))],
    ]
    return sentence_case(describe_child(child, today, t)), InlineKeyboardMarkup(rows)


async def show_children(update: Update, context: BotContext, back_to: str) -> None:
    where = await here(update, context)
    assert where is not None
    children = (await profile_for(context, where.chat_id)).children
    text, markup = children_view(
        children, context.services.clock().date(), where.t, back_to=back_to
    )
    await show(update, text, markup)


async def children_command(update: Update, context: BotContext) -> None:
    """List the chat's children with buttons to change them."""
    where = await for_settings(update, context)
    if where is None:
        return
    await show_children(update, context, "ch")


async def ask_for_date(
    update: Update, context: BotContext, kind: str, back_to: str, t: Translator
) -> None:
    """Ask for a date as a reply; remember what the answer is for."""
    _ = t.gettext
    query = update.callback_query
    menu = query.message if query is not None and isinstance(query.message, Message) else None
    context.chat_state.pending = PendingInput(kind, menu.message_id if menu else None, back_to)
    question = (
        _("When is the baby due? Send the date, for example 3 April 2026.")
        if kind == "due"
        else _("When was your child born? Send the date, for example 3 April 2024.")
    )
    if kind.startswith("edit:"):
        question = _("Send the new date, for example 3 April 2025.")
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id,
        question,
        reply_markup=ForceReply(selective=True, input_field_placeholder="3/4/2025"),
    )


def date_problem_text(problem: DateProblem, t: Translator) -> str:
    _ = t.gettext
    messages = {
        DateProblem.UNREADABLE: _(
            "I couldn't read that date. Try for example 3 April 2025 or 3/4/2025."
        ),
        DateProblem.IMPOSSIBLE: _("That date doesn't exist. Please check the day and month."),
        DateProblem.BIRTH_IN_FUTURE: _(
            "A birth date can't be in the future. If the baby "
            "isn't born yet, add a due date instead."
        ),
        DateProblem.CHILD_TOO_OLD: _(
            "tipsbot's tips are for children up to 6 years old, so that date is too long ago."
        ),
        DateProblem.DUE_TOO_FAR: _(
            "That due date is more than 42 weeks away. Please check the year."
        ),
        DateProblem.DUE_PASSED: _(
            "That due date has passed. If your baby is born, add a birth date instead."
        ),
    }
    return messages[problem]


async def receive_date(update: Update, context: BotContext, pending: PendingInput) -> None:
    """The answer to ask_for_date: check it, store it, show the list again."""
    message = update.effective_message
    where = await here(update, context)
    if message is None or message.text is None or where is None or where.row is None:
        return
    today = context.services.clock().date()
    kind = pending.kind
    try:
        value = parse_user_date(message.text, where.t.locale)
        async with context.services.sessions() as session:
            chat_id = where.row.id
            assert chat_id is not None
            if kind.startswith("edit:"):
                child = await get_child(session, chat_id=chat_id, child_id=int(kind.split(":")[1]))
                if child is None:
                    context.chat_state.pending = None
                    return
                if child.birth_date is not None:
                    child.birth_date = check_birth_date(value, today)
                else:
                    child.due_date = check_due_date(value, today)
            elif kind == "due":
                await add_child(
                    session,
                    chat_id=chat_id,
                    due_date=check_due_date(value, today),
                    now=context.services.clock(),
                )
            else:
                await add_child(
                    session,
                    chat_id=chat_id,
                    birth_date=check_birth_date(value, today),
                    now=context.services.clock(),
                )
            await session.commit()
    except DateInputError as exc:
        await message.reply_text(
            date_problem_text(exc.problem, where.t),
            reply_markup=ForceReply(selective=True, input_field_placeholder="3/4/2025"),
        )
        return
    context.chat_state.pending = None
    if pending.menu_message_id is not None:
        # The old menu is above the question; a fresh one below is where the eyes are.
        # An old menu that can't be edited (deleted, too old) does not matter.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(
                where.chat_id, pending.menu_message_id, reply_markup=None
            )
    await show_children(update, context, pending.return_to)


async def children_button(update: Update, context: BotContext) -> None:
    """Buttons of the children screens."""
    query = update.callback_query
    where = await here(update, context)
    if query is None or where is None or where.row is None or where.row.id is None:
        await answer(query)
        return
    if not await may_change_settings(update, context, where.t):
        return
    _ = where.t.gettext
    parts = unpack(query.data)
    action = parts[1] if len(parts) > 1 else ""
    today = context.services.clock().date()
    back_to = parts[-1] if parts and parts[-1] in ("ob", "ch") else "ch"
    await answer(query)
    if action == "add" and len(parts) == 4 and parts[2] in ("due", "birth"):
        await ask_for_date(update, context, parts[2], back_to, where.t)
        return
    if action == "list":
        await show_children(update, context, back_to)
        return
    if action == "done":
        await show(update, _("Saved. Change your children any time with /children."))
        return
    child_id = small_int(parts[2]) if len(parts) == 4 else None
    if action not in ("open", "edit", "changed", "remove"):
        return
    if child_id is None:
        await show(update, _("That child is no longer on the list."))
        return
    async with context.services.sessions() as session:
        child = await get_child(session, chat_id=where.row.id, child_id=child_id)
        if child is None:
            await show(update, _("That child is no longer on the list."))
            return
        if action == "open":
            text, markup = child_view(child, today, where.t, back_to)
            await show(update, text, markup)
            return
        if action == "edit":
            await ask_for_date(update, context, f"edit:{child_id}", back_to, where.t)
            return
        if action == "changed":
            child.content_stopped_at = context.services.clock()
            await session.commit()
            await show(
                update,
                _(
                    "Thank you for telling us. We have stopped tips about "
                    "this pregnancy or child, starting now."
                )
                + "\n"
                + _(
                    "If you would like support, your GP, midwife or health visitor is there "
                    "for you. You can also stop all messages with /stop."
                ),
            )
            return
        await remove_child(session, chat_id=where.row.id, child_id=child_id)
        await session.commit()
    await show_children(update, context, back_to)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("children", children_command),
        CallbackQueryHandler(children_button, pattern=pattern("ch")),
    ]
