"""A tip as a Telegram message: rendered HTML plus its buttons (tried, feedback, more, share)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.buttons import Feedback, MoreOnTopic, TriedIt
from domain.content.model import Library, Tip
from domain.content.render import render_tip
from domain.i18n import Catalogs


@dataclass(frozen=True, slots=True)
class TipMessage:
    html: str
    language: str
    link_preview: bool
    image: Path | None
    keyboard: InlineKeyboardMarkup


def share_url(bot_username: str, topic_id: str, text: str) -> str:
    link = f"https://t.me/{bot_username}?start={topic_id}"
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}"


def build_tip_message(
    tip: Tip,
    library: Library,
    language: str,
    catalogs: Catalogs,
    *,
    bot_username: str,
    today: date,
) -> TipMessage:
    """Render `tip` for a chat speaking `language`; RenderError if it cannot be sent."""
    text_language = library.text_for(tip, language, today=today).language
    t = catalogs.for_language(text_language)
    _ = t.gettext
    topic = library.topic_of(tip)
    rendered = render_tip(tip, topic, text_language, sources_label=_("Sources"), today=today)
    # A week's follow-up may ask whether the family tried the week's idea: one tap, first row.
    tried_row = [
        InlineKeyboardButton(_("Yes, we tried it"), callback_data=TriedIt(tip.id, True).pack()),
        InlineKeyboardButton(_("Not yet"), callback_data=TriedIt(tip.id, False).pack()),
    ]
    keyboard = InlineKeyboardMarkup(
        [
            *([tried_row] if tip.asks_tried else []),
            [
                InlineKeyboardButton("👍", callback_data=Feedback(tip.id, helpful=True).pack()),
                InlineKeyboardButton("👎", callback_data=Feedback(tip.id, helpful=False).pack()),
            ],
            [
                InlineKeyboardButton(
                    _("More on %(topic)s") % {"topic": topic.name(text_language)},
                    callback_data=MoreOnTopic(topic.id).pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    _("Share"),
                    url=share_url(bot_username, topic.id, _("Tips for families on Telegram")),
                )
            ],
        ]
    )
    return TipMessage(
        rendered.html, rendered.language, rendered.link_preview, rendered.image, keyboard
    )
