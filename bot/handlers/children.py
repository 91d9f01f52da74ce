"""/children: add, change and remove children (due or birth dates), "our situation has changed",
and the answers to "has your baby arrived?" (asked by scheduler.child_prompt).

Dates are typed as the answer to the bot's open question (bot.handlers.common.ask_question: in
a group a reply by ForceReply, so it works under privacy mode). No names are asked or stored.
"Our situation has changed" and "Remove" ask first; a removal can be undone for UNDO_MINUTES
from a button that carries the child as it was.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
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
from domain.buttons import (
    AddChild,
    ArrivalAnswer,
    ChildAction,
    ChildButton,
    ChildList,
    Menu,
    RestoreChild,
    Step,
    parse,
)
from domain.chats import add_child, get_child, remove_child
from domain.child_prompt import settle_arrival
from domain.dates import (
    Age,
    DateInputError,
    DateProblem,
    age_on,
    check_birth_date,
    check_due_date,
    example_date,
    parse_user_date,
)
from domain.i18n import Translator
from domain.models import Child, ChildPrompt
from domain.selection import ChildStage, is_presumed_born

UNDO_MINUTES = 10


def age_text(age: Age, t: Translator) -> str:
    n = age.count
    match age.unit:
        case "days":
            return t.ngettext("%(n)d day old", "%(n)d days old", n) % {"n": n}
        case "weeks":
            return t.ngettext("%(n)d week old", "%(n)d weeks old", n) % {"n": n}
        case "months":
            return t.ngettext("%(n)d month old", "%(n)d months old", n) % {"n": n}
        case "years":
            return t.ngettext("%(n)d year old", "%(n)d years old", n) % {"n": n}


def describe_child(child: Child, today: date, t: Translator) -> str:
    _ = t.gettext
    born = child.birth_date is not None and child.birth_date <= today
    if child.content_stopped_at is not None:
        # For good, not "paused": the family told us their situation changed. No dates or
        # ages repeated back to them.
        if born:
            return _("no tips about this child, as you asked")
        return _("no tips about this pregnancy, as you asked")
    if child.birth_date == today:
        return _("born today, %(date)s") % {"date": t.date(today)}
    if child.birth_date is not None:
        age = age_text(age_on(child.birth_date, today), t)
        return _("born %(date)s, %(age)s") % {"date": t.date(child.birth_date), "age": age}
    assert child.due_date is not None
    if is_presumed_born(child.due_date, today):
        return _("due %(date)s; the tips now follow a baby born that day") % {
            "date": t.date(child.due_date)
        }
    stage = ChildStage(due_date=child.due_date, birth_date=child.birth_date)
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
    back = [InlineKeyboardButton(_("⬅️ Back"), callback_data=ChildList(back_to).pack())]
    if child.content_stopped_at is not None:
        # Nothing to re-date or stop: it stays listed until the family removes it.
        text = "\n".join(
            [
                sentence_case(describe_child(child, today, t)),
                _("Tips for every family still come. You can remove it from your list."),
            ]
        )
        remove = open_child(child, back_to, "remove")
        rows = [[InlineKeyboardButton(_("Remove"), callback_data=remove)], back]
        return text, InlineKeyboardMarkup(rows)
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
        back,
    ]
    if child.birth_date is None and child.id is not None:
        # The pregnancy becomes the baby (a new child with a birth date would leave it
        # behind), early or late, through the same steps as "has your baby arrived?".
        born = ArrivalAnswer("born", child.id).pack()
        rows.insert(0, [InlineKeyboardButton(_("👶 Our baby is born"), callback_data=born)])
    return sentence_case(describe_child(child, today, t)), InlineKeyboardMarkup(rows)


def confirm_view(
    child: Child, today: date, t: Translator, back_to: Menu, action: ChildAction
) -> tuple[str, InlineKeyboardMarkup]:
    """Ask before "our situation has changed" (`stop`) or a removal (`drop`): Yes or No."""
    _ = t.gettext
    if action == "stop":
        lines = [
            _("<b>Stop the tips about this pregnancy or child?</b>"),
            _("Tips for every family still come."),
        ]
        yes = _("Yes, stop them")
    else:
        lines = [
            _("<b>Remove from your list?</b>"),
            sentence_case(describe_child(child, today, t)),
            _("You can undo this for ten minutes."),
        ]
        yes = _("Yes, remove")
    rows = [
        [InlineKeyboardButton(yes, callback_data=open_child(child, back_to, action))],
        [InlineKeyboardButton(_("No, go back"), callback_data=open_child(child, back_to))],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def changed_text(t: Translator) -> str:
    _ = t.gettext
    return (
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


def undo_button(child: Child, now: datetime, back_to: Menu) -> RestoreChild:
    assert child.id is not None
    return RestoreChild(
        child.id,
        child.due_date,
        child.birth_date,
        child.content_stopped_at,
        child.created_at,
        now,
        back_to,
    )


def removed_view(
    children: tuple[Child, ...], undo: RestoreChild, today: date, t: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The list without the removed child, with an Undo button above the list's own."""
    _ = t.gettext
    text, markup = children_view(children, today, t, back_to=undo.back_to)
    rows = [[InlineKeyboardButton(_("↩️ Undo"), callback_data=undo.pack())]]
    rows += [list(row) for row in markup.inline_keyboard]
    return _("Removed.") + "\n" + text, InlineKeyboardMarkup(rows)


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
    elif kind.startswith("born:"):
        question = _("Send the date of birth, for example %(example)s.")
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
    if kind.startswith("born:"):
        child = await get_child(unit.session, chat_id=unit.id, child_id=int(kind.split(":")[1]))
        if child is None:
            return False
        await record_birth(unit, child, check_birth_date(value, today))
    elif kind.startswith("edit:"):
        child = await get_child(unit.session, chat_id=unit.id, child_id=int(kind.split(":")[1]))
        if child is None:
            return False
        if child.birth_date is not None:
            child.birth_date = check_birth_date(value, today)
        else:
            child.due_date = check_due_date(value, today)
            settle_arrival(unit.chat)  # a new due date is asked about afresh
    elif kind == "due":
        await add_child(
            unit.session, chat_id=unit.id, due_date=check_due_date(value, today), now=now
        )
        settle_arrival(unit.chat)
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
    text, markup = children_view(children, now.date(), unit.t, back_to=pending.return_to)
    if pending.kind.startswith("born:"):
        text = congratulations(unit.t) + "\n\n" + text
    await show(update, text, markup)


def congratulations(t: Translator) -> str:
    return t.gettext("Congratulations! 🎉 From now on the tips follow your baby's age.")


async def record_birth(unit: ChatUnit, child: Child, birth_date: date) -> None:
    """The baby due on `child.due_date` is born: so are its twins (the chat's other children
    due the same day with no birth date yet), and the question about it is settled."""
    children = (await unit.profile()).children
    for each in children:
        if each.id == child.id or (
            each.birth_date is None
            and each.content_stopped_at is None
            and each.due_date == child.due_date
        ):
            stored = await get_child(unit.session, chat_id=unit.id, child_id=each.id or 0)
            if stored is not None:
                stored.birth_date = birth_date
    settle_arrival(unit.chat)


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
        case "changed" if child.content_stopped_at is None:
            return partial(show, update, *confirm_view(child, now.date(), t, back_to, "stop"))
        case "changed":
            return partial(show, update, *child_view(child, now.date(), t, back_to))
        case "stop":
            if child.content_stopped_at is None:
                child.content_stopped_at = now
                settle_arrival(unit.chat)
            return partial(show, update, changed_text(t))
        case "remove":
            return partial(show, update, *confirm_view(child, now.date(), t, back_to, "drop"))
        case "drop":
            children = (await unit.profile()).children
            undo = undo_button(child, now, back_to)
            await remove_child(unit.session, chat_id=unit.id, child_id=button.child_id)
            if child.birth_date is None:
                settle_arrival(unit.chat)
            left = tuple(c for c in children if c.id != button.child_id)
            return partial(show, update, *removed_view(left, undo, now.date(), t))


async def restore_child(
    update: Update, context: BotContext, unit: ChatUnit, undo: RestoreChild
) -> Reply:
    """Undo a removal within UNDO_MINUTES: the child comes back as it was, same row id when
    that is free (so its buttons in older messages work again)."""
    now = context.services.clock()
    t = unit.t
    query = update.callback_query
    if now - undo.removed_at > timedelta(minutes=UNDO_MINUTES):
        children = (await unit.profile()).children
        await answer(query, t.gettext("It's too late to undo that. Add the date again below."))
        return partial(show, update, *children_view(children, now.date(), t, back_to=undo.back_to))
    existing = await unit.session.get(Child, undo.child_id)
    if existing is None or existing.chat_id != unit.id:
        unit.session.add(
            Child(
                id=None if existing is not None else undo.child_id,
                chat_id=unit.id,
                due_date=undo.due_date,
                birth_date=undo.birth_date,
                content_stopped_at=undo.stopped_at,
                created_at=undo.created_at.astimezone(UTC),
            )
        )
        await unit.session.flush()
    children = (await unit.profile()).children
    return partial(show, update, *children_view(children, now.date(), t, back_to=undo.back_to))


async def arrival_answer(
    update: Update, context: BotContext, unit: ChatUnit, button: ArrivalAnswer
) -> Reply:
    """An answer to "has your baby arrived?" (scheduler.child_prompt asks it)."""
    t = unit.t
    _ = t.gettext
    now = context.services.clock()
    child = await get_child(unit.session, chat_id=unit.id, child_id=button.child_id)
    if child is None:
        return partial(show, update, _("That child is no longer on the list."))
    if child.birth_date is not None or child.content_stopped_at is not None:
        return partial(show, update, *child_view(child, now.date(), t, Menu.CHILDREN))
    assert child.due_date is not None
    match button.choice:
        case "born":
            rows = []
            if child.due_date <= now.date():  # the one-tap date only once it has come
                on_due = ArrivalAnswer("ondue", button.child_id).pack()
                label = _("📅 On the due date, %(date)s") % {
                    "date": t.date(child.due_date, "d MMM")
                }
                rows.append([InlineKeyboardButton(label, callback_data=on_due)])
            text = _("Congratulations! 🎉 <b>When was your baby born?</b>")
            born_kind = f"born:{button.child_id}"
            markup = InlineKeyboardMarkup(rows)
            return partial(_ask_birth_date, update, context, text, markup, born_kind, t)
        case "ondue" if child.due_date > now.date():  # an old button after a new due date
            return partial(show, update, *child_view(child, now.date(), t, Menu.CHILDREN))
        case "ondue":
            await record_birth(unit, child, child.due_date)
            pending = context.chat_state.pending
            if pending is not None and pending.kind == f"born:{button.child_id}":
                context.chat_state.pending = None
            return partial(show, update, congratulations(t))
        case "notyet":
            again = unit.chat.child_prompt == ChildPrompt.ARRIVAL
            text = (
                _("Thank you for letting us know. All the best! We'll ask again in a week.")
                if again
                else _(
                    "Thank you for letting us know. All the best! When your baby arrives, "
                    "add the date of birth with /children."
                )
            )
            return partial(show, update, text)
        case "other":
            return partial(show, update, *confirm_view(child, now.date(), t, Menu.CHILDREN, "stop"))


async def _ask_birth_date(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup,
    kind: str,
    t: Translator,
) -> None:
    """Offer the due date in one tap, then ask for a typed date below it (ForceReply)."""
    await show(update, text, markup)
    await ask_for_date(update, context, kind, Menu.CHILDREN, t)


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
                case ArrivalAnswer():
                    reply = await arrival_answer(update, context, unit, button)
                case RestoreChild():
                    reply = await restore_child(update, context, unit, button)
    await answer(query)
    if reply is not None:
        await reply()


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("children", children_command),
        CallbackQueryHandler(children_button, pattern=Menu.CHILDREN.pattern),
    ]
