"""/children: add, change and remove children (due or birth dates), and "our situation has changed".

Dates are typed as the answer to the bot's open question (bot.handlers.common.ask_question: in
a group a reply by ForceReply, so it works under privacy mode). No names are asked or stored.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext, PendingInput
from bot.handlers.common import (
    ChatUnit,
    Reply,
    answer,
    ask_again,
    ask_question,
    chat_unit,
    may_change_settings,
    show,
    stored_chat_unit,
)
from bot.texts import sentence_case, step_line
from domain.buttons import AddChild, ChildAction, ChildButton, ChildList, Menu, Step, parse
from domain.chats import add_child, get_child, remove_child
from domain.dates import (
    DateInputError,
    DateProblem,
    check_birth_date,
    check_due_date,
    example_date,
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
    children: tuple[Child, ...], today: date, t: Translator, *, back_to: Menu
) -> tuple[str, InlineKeyboardMarkup]:
    """The list of children with buttons; `back_to` is onboarding's menu or /children's."""
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
        [InlineKeyboardButton(f"✏️ {n}", callback_data=open_child(c, back_to))]
        for n, c in enumerate(children, 1)
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _("🤰 Add a due date"), callback_data=AddChild("due", back_to).pack()
            ),
            InlineKeyboardButton(
                _("👶 Add a birth date"), callback_data=AddChild("birth", back_to).pack()
            ),
        ]
    )
    if back_to == Menu.ONBOARDING:
        lines.insert(0, step_line("children", t))
        label = _("Next ➡️") if children else _("Skip ➡️")
        back = Step(Menu.ONBOARDING, "nation").pack()
        next_step = Step(Menu.ONBOARDING, "freq").pack()
        rows.append(
            [
                InlineKeyboardButton(_("⬅️ Back"), callback_data=back),
                InlineKeyboardButton(label, callback_data=next_step),
            ]
        )
    else:
        done = Step(Menu.CHILDREN, "done").pack()
        rows.append([InlineKeyboardButton(_("Done"), callback_data=done)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def open_child(child: Child, back_to: Menu, action: ChildAction = "open") -> str:
    assert child.id is not None, "a listed child is stored"
    return ChildButton(action, child.id, back_to).pack()


def child_view(
    child: Child, today: date, t: Translator, back_to: Menu
) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    rows = [
        [
            InlineKeyboardButton(
                _("Change the date"), callback_data=open_child(child, back_to, "edit")
            )
        ],
        [
            InlineKeyboardButton(
                _("Our situation has changed"), callback_data=open_child(child, back_to, "changed")
            )
        ],
        [InlineKeyboardButton(_("Remove"), callback_data=open_child(child, back_to, "remove"))],
        [InlineKeyboardButton(_("⬅️ Back"), callback_data=ChildList(back_to).pack())],
    ]
    return sentence_case(describe_child(child, today, t)), InlineKeyboardMarkup(rows)


async def children_command(update: Update, context: BotContext) -> None:
    """List the chat's children with buttons to change them."""
    if not await may_change_settings(update, context):
        return
    async with chat_unit(update, context) as unit:
        children = (await unit.profile()).children
    today = context.services.clock().date()
    await show(update, *children_view(children, today, unit.t, back_to=Menu.CHILDREN))


async def ask_for_date(
    update: Update, context: BotContext, kind: str, back_to: Menu, t: Translator
) -> None:
    """Ask for a date as the chat's open question; remember what the answer is for."""
    _ = t.gettext
    example = example_date(kind, context.services.clock().date())
    question = (
        _("When is the baby due? Send the date, for example %(example)s.")
        if kind == "due"
        else _("When was your child born? Send the date, for example %(example)s.")
    )
    if kind.startswith("edit:"):
        question = _("Send the new date, for example %(example)s.")
    await ask_question(
        update,
        context,
        kind=kind,
        return_to=back_to,
        question=question % {"example": t.example_date(example)},
        t=t,
        placeholder=numeric_date(example),
    )


def numeric_date(value: date) -> str:
    """3/4/2026: day first, as parse_user_date reads it."""
    return f"{value.day}/{value.month}/{value.year}"


def date_problem_text(problem: DateProblem, t: Translator, example: date) -> str:
    """What is wrong with a typed date; `example` is one the question would accept."""
    _ = t.gettext
    messages = {
        DateProblem.UNREADABLE: _(
            "I couldn't read that date. Try for example %(example)s or %(numeric)s."
        )
        % {"example": t.example_date(example), "numeric": numeric_date(example)},
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


async def store_date(unit: ChatUnit, kind: str, text: str, now: datetime) -> bool:
    """Check the typed date and store it as `kind` asks (in the chat's unit of work); False
    when the child it was for is gone. DateInputError says what is wrong with the date."""
    value = parse_user_date(text, unit.t.locale)
    today = now.date()
    if kind.startswith("edit:"):
        child = await get_child(unit.session, chat_id=unit.id, child_id=int(kind.split(":")[1]))
        if child is None:
            return False
        if child.birth_date is not None:
            child.birth_date = check_birth_date(value, today)
        else:
            child.due_date = check_due_date(value, today)
    elif kind == "due":
        await add_child(
            unit.session, chat_id=unit.id, due_date=check_due_date(value, today), now=now
        )
    else:
        birth_date = check_birth_date(value, today)
        await add_child(unit.session, chat_id=unit.id, birth_date=birth_date, now=now)
    return True


async def receive_date(update: Update, context: BotContext, pending: PendingInput) -> None:
    """The answer to ask_for_date: check it, store it, show the list again."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    now = context.services.clock()
    problem: DateProblem | None = None
    stored = False
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            try:
                stored = await store_date(unit, pending.kind, message.text, now)
            except DateInputError as exc:
                problem = exc.problem
            if stored:
                children = (await unit.profile()).children
    if unit is None:
        return
    if problem is not None:
        example = example_date(pending.kind, now.date())
        await ask_again(
            update,
            context,
            pending,
            date_problem_text(problem, unit.t, example),
            unit.t,
            placeholder=numeric_date(example),
        )
        return
    context.chat_state.pending = None
    if not stored:
        return
    if pending.menu_message_id is not None:
        # The old menu is above the question; a fresh one below is where the eyes are.
        # An old menu that can't be edited (deleted, too old) does not matter.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(
                unit.chat.telegram_id, pending.menu_message_id, reply_markup=None
            )
    view = children_view(children, now.date(), unit.t, back_to=pending.return_to)
    await show(update, *view)


async def change_child(
    update: Update, context: BotContext, unit: ChatUnit, button: ChildButton
) -> Reply:
    """Open, re-date, mark as changed or remove one child, in the chat's unit of work."""
    t, back_to = unit.t, button.back_to
    _ = t.gettext
    now = context.services.clock()
    child = await get_child(unit.session, chat_id=unit.id, child_id=button.child_id)
    if child is None:
        return partial(show, update, _("That child is no longer on the list."))
    match button.action:
        case "open":
            return partial(show, update, *child_view(child, now.date(), t, back_to))
        case "edit":
            return partial(ask_for_date, update, context, f"edit:{button.child_id}", back_to, t)
        case "changed":
            child.content_stopped_at = now
            text = (
                _(
                    "Thank you for telling us. We have stopped tips about "
                    "this pregnancy or child, starting now."
                )
                + "\n"
                + _(
                    "If you would like support, your GP, midwife or health visitor is there "
                    "for you. You can also stop all messages with /stop."
                )
            )
            return partial(show, update, text)
        case "remove":
            children = (await unit.profile()).children
            await remove_child(unit.session, chat_id=unit.id, child_id=button.child_id)
            left = tuple(c for c in children if c.id != button.child_id)
            return partial(show, update, *children_view(left, now.date(), t, back_to=back_to))


async def children_button(update: Update, context: BotContext) -> None:
    """Buttons of the children screens: stored in the chat's unit of work, then shown."""
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = parse(query.data)
    today = context.services.clock().date()
    reply: Reply | None = None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            t = unit.t
            match button:
                case AddChild(kind=kind, back_to=back_to):
                    reply = partial(ask_for_date, update, context, kind, back_to, t)
                case ChildList(back_to=back_to):
                    children = (await unit.profile()).children
                    reply = partial(
                        show, update, *children_view(children, today, t, back_to=back_to)
                    )
                case Step(menu=Menu.CHILDREN, name="done"):
                    text = t.gettext("Saved. Change your children any time with /children.")
                    reply = partial(show, update, text)
                case ChildButton():
                    reply = await change_child(update, context, unit, button)
    await answer(query)
    if reply is not None:
        await reply()


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("children", children_command),
        CallbackQueryHandler(children_button, pattern=Menu.CHILDREN.pattern),
    ]
