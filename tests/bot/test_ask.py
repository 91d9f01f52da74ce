"""Ask tipsbot through the real path: a parent's question in their language, answered from the
library (urgent-help first on a danger sign), honest when nothing fits; "stop", "help" and
media in a private chat; /ask in groups; the index rebuilt on reload; questions counted for
editors without chat or text."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.content_reload import ContentReloader, start_content_reload, stop_content_reload
from bot.context import BotContext
from bot.delivery import purge_log
from domain.ask import DANGER_SIGNS_FILE, Answer, Asker, answer_question
from domain.buttons import MoreOnTopic, NotWhatIAsked
from domain.content.loader import load_library
from domain.models import AskCount, ChatStatus, UnansweredQuestion
from tests.bot.harness import REPO, START, Harness, button_labels, running_bot, seed_chat
from tests.fakebotapi import FakeChat, FakeUser
from tests.fakebotapi._models import SentMessage

BORN = START.date() - timedelta(days=200)  # a baby of six and a half months

# A question per language, and the tip that answers it (its title in that language is shown).
QUESTIONS = {
    "en": ("When should I start brushing my baby's teeth?", "h-brush-first-tooth"),
    "cy": ("Pryd i ddechrau brwsio dannedd y babi?", "h-brush-first-tooth"),
    "pl": ("Od ilu miesięcy można dać dziecku ibuprofen?", "h-baby-medicines-ages"),
    "uk": ("Коли починати чистити зуби немовляті?", "h-brush-first-tooth"),
    "ur": ("بچے کے دانتوں پر برش کب شروع کریں؟", "h-brush-first-tooth"),
}
# A danger sign in each language, asked by a family in each nation.
URGENT = {
    "en": ("england", "My baby is not breathing properly, what do I do?"),
    "cy": ("wales", "Dyw fy mabi ddim yn anadlu'n iawn"),
    "pl": ("scotland", "Moje dziecko nie oddycha, co robić?"),
    "uk": ("northern-ireland", "Дитина не дихає, що робити?"),
    "ur": ("england", "میرا بچہ سانس نہیں لے رہا، کیا کروں؟"),
}
# Questions the library has no tip for (from the question sets: tests/ask/questions).
UNANSWERABLE = {
    "en": "How do I get child maintenance from my ex?",
    "pl": "Ciemieniucha, jak usunąć?",
}


QUESTION_WITH_TIP = {
    "en": "how much is child benefit",
    "pl": "ile wynosi zasiłek na dziecko",
    "ur": "بچے کو بخار ہے",
}


def title(bot: Harness, tip_id: str, language: str) -> str:
    library = bot.services.library.current
    tip = library.tips[tip_id]
    return library.text_for(tip, language, today=START.date()).title


def tip_of(message: SentMessage) -> str | None:
    """The tip a message carries, read from its "not what I asked" button."""
    for data in message.button_data:
        button = NotWhatIAsked.parse(data)
        if button is not None:
            return button.tip_id
    return None


async def ask(
    bot: Harness, user: FakeUser, text: str, chat: FakeChat | None = None
) -> list[SentMessage]:
    """Send `text` and return every message the bot sent in reply (a /help sent right after
    marks the end: a chat's updates are handled in order)."""
    chat_id = chat.id if chat is not None else user.id
    since = len(bot.api.sent)
    bot.api.send_text(user, text, chat)
    bot.api.send_text(user, "/help", chat)
    end = await bot.api.wait_for(  # the first question of a test run builds the index
        lambda m: m.chat_id == chat_id and "/mydata" in m.plain_text, timeout=60, since=since
    )
    return [m for m in bot.api.sent[since : end.index] if m.chat_id == chat_id]


def answer_question_now(bot: Harness, question: str, language: str, nation: str) -> Answer:
    """What the search answers for a family with no child (a group's /ask, for example)."""
    index = bot.app.bot_data.ask.index
    assert index is not None
    asker = Asker(language, nation)
    return answer_question(index, question, asker, today=START.date())


async def counts(bot: Harness) -> dict[tuple[str, str, str], int]:
    async with bot.services.sessions() as session:
        rows = (await session.exec(select(AskCount))).all()
    return {(r.topic, r.language, r.kind): r.count for r in rows}


@pytest.mark.parametrize("language", list(QUESTIONS))
async def test_a_parent_asks_in_their_language_and_gets_the_right_tip(
    migrated_url: str, language: str
) -> None:
    question, tip_id = QUESTIONS[language]
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language, born=BORN)
        _ = bot.services.catalogs.for_language(language).gettext

        answer = await ask(bot, parent, question)

        assert answer, "no answer"
        assert tip_of(answer[0]) == tip_id, [m.plain_text[:60] for m in answer]
        assert title(bot, tip_id, language) in answer[0].plain_text
        assert 1 <= len(answer) <= 3 and all(tip_of(m) for m in answer)
        labels = button_labels(answer[0])
        assert "👍" in labels and "👎" in labels and _("Not what I asked") in labels
        assert any(label.startswith(_("More on %(topic)s").split("%")[0]) for label in labels)
        assert _(
            "I have no tips on this in your language yet, so here they are in English."
        ) not in (" ".join(m.plain_text for m in answer))
        topic = bot.services.library.current.tips[tip_id].primary_topic
        assert await counts(bot) == {
            (topic, language, "asked"): 1,
            (topic, language, "answered"): 1,
        }


@pytest.mark.parametrize("language", list(URGENT))
async def test_a_danger_sign_gets_the_nations_urgent_help_tip_first(
    migrated_url: str, language: str
) -> None:
    nation, question = URGENT[language]
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language, region=nation, born=BORN)

        answer = await ask(bot, parent, question)

        assert tip_of(answer[0]) == f"h-urgent-help-{nation}", [m.plain_text[:60] for m in answer]
        assert [tip_of(m) for m in answer].count(f"h-urgent-help-{nation}") == 1
        by_kind: dict[str, int] = {}
        for (_topic, lang, kind), n in (await counts(bot)).items():
            assert lang == language
            by_kind[kind] = by_kind.get(kind, 0) + n
        assert by_kind == {"asked": 1, "answered": 1, "urgent": 1}


@pytest.mark.parametrize("language", list(UNANSWERABLE))
async def test_no_good_tip_gets_an_honest_reply_and_the_topics_never_a_guess(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language, born=BORN)
        _ = bot.services.catalogs.for_language(language).gettext

        replies = await ask(bot, parent, UNANSWERABLE[language])
        assert len(replies) == 1, [m.plain_text[:80] for m in replies]
        reply = replies[0]

        assert tip_of(reply) is None
        first_line = _(
            "I don't have a tip on that yet. Our editors see which questions have no answer."
        )
        assert reply.plain_text.startswith(first_line)
        topics = bot.services.library.current.topics
        assert [MoreOnTopic.parse(d) for d in reply.button_data] == [MoreOnTopic(t) for t in topics]
        assert await counts(bot) == {
            ("", language, "asked"): 1,
            ("", language, "unanswered"): 1,
        }
        async with bot.services.sessions() as session:  # texts are not kept by default
            assert not (await session.exec(select(UnansweredQuestion))).all()
        mydata = (await bot.say(parent, "/mydata")).plain_text
        assert (
            _(
                "Questions you ask are not stored with this chat: only counted by topic and "
                "language."
            )
            in mydata
        )
        kept_line = _(
            "The words of questions I had no tip for are kept for %(days)d days for our "
            "editors, with no chat id, so /forget cannot find them; links, e-mail addresses "
            "and phone numbers are removed."
        ) % {"days": 30}
        assert kept_line not in mydata

        more = await bot.tap(parent, reply, topics["health"].name(language))
        assert tip_of(more) is None and more.plain_text  # a tip on the topic, as /tip sends it


@pytest.mark.parametrize("language", ["pl", "ur"])
async def test_an_answer_in_english_says_so_in_the_chats_language(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language, born=BORN)
        _ = bot.services.catalogs.for_language(language).gettext

        note, first, *_rest = await ask(bot, parent, "vitamin K injection for my newborn")

        assert note.plain_text == _(
            "I have no tips on this in your language yet, so here they are in English."
        )
        assert tip_of(first) == "h-vitamin-k-for-baby"
        assert title(bot, "h-vitamin-k-for-baby", "en") in first.plain_text


async def test_not_what_i_asked_is_counted_once_per_answer_and_ticked(migrated_url: str) -> None:
    question, tip_id = QUESTIONS["cy"]
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code="cy")
        await seed_chat(bot.services, parent.id, language="cy", born=BORN)
        _ = bot.services.catalogs.for_language("cy").gettext
        answer = await ask(bot, parent, question)

        await bot.press(parent, answer[0], _("Not what I asked"))
        for _attempt in range(200):  # the tick is an edit after the answer to the tap
            current = bot.api.current_message(parent.id, answer[0].message_id) or {}
            labels = [b["text"] for row in current["reply_markup"]["inline_keyboard"] for b in row]
            if "✅ " + _("Not what I asked") in labels:
                break
            await asyncio.sleep(0.02)
        assert "✅ " + _("Not what I asked") in labels
        await bot.press(parent, answer[0], _("Not what I asked"))  # a second tap: not again

        topic = bot.services.library.current.tips[tip_id].primary_topic
        found = await counts(bot)
        assert found[(topic, "cy", "not-what-i-asked")] == 1
        assert found[(topic, "cy", "answered")] == 1


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("en", "STOP"),
        ("en", "stop"),
        ("cy", "Stopio"),
        ("pl", "stop!"),
        ("uk", "Стоп"),
        ("ur", "بند کریں"),
    ],
)
async def test_stop_typed_as_a_word_stops_tips_with_the_undo(
    migrated_url: str, language: str, word: str
) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language)
        _ = bot.services.catalogs.for_language(language).gettext

        reply = await bot.say(parent, word)

        assert reply.plain_text == _(
            "Done: no more tips. We keep your settings in case you come back; /forget erases them."
        )
        assert button_labels(reply) == [_("↩️ Undo")]
        profile = await bot.profile(parent.id)
        assert profile is not None and profile.chat.status == ChatStatus.STOPPED
        assert await counts(bot) == {}  # a command, not a question


@pytest.mark.parametrize(("language", "word"), [("en", "Help"), ("pl", "pomoc"), ("ur", "مدد")])
async def test_help_typed_as_a_word_is_help(migrated_url: str, language: str, word: str) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language)
        _ = bot.services.catalogs.for_language(language).gettext

        reply = await bot.say(parent, word)

        assert reply.plain_text.startswith(
            _("I send short, trusted tips for families at the days and time you choose.")
        )
        assert "/ask" in reply.plain_text
        assert reply.plain_text.endswith(
            _(
                "If you are worried about your child's health, talk to your GP, midwife or "
                "health visitor; in an emergency call 999."
            )
        )


@pytest.mark.parametrize(
    ("language", "greeting", "thanks"),
    [
        ("en", "Hello!", "thanks"),
        ("pl", "Dzień dobry", "dziękuję"),
        ("ur", "السلام علیکم", "شکریہ"),
    ],
)
async def test_a_greeting_a_thank_you_or_a_bare_date_gets_a_hint_not_a_tip(
    migrated_url: str, language: str, greeting: str, thanks: str
) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language)
        _ = bot.services.catalogs.for_language(language).gettext
        hint = _(
            "Hello! Ask me anything about your child's health, your family's money or "
            "learning at home, in your own words, or send /help."
        )

        for text in (greeting, "3/4/2025", "👍"):
            reply = await bot.say(parent, text)
            assert reply.text == hint, text
            assert tip_of(reply) is None
        reply = await bot.say(parent, thanks)
        assert reply.text == _("You're welcome! Ask me another question any time.")
        # A greeting inside a real question is a question.
        since = len(bot.api.sent)
        await bot.say(parent, f"{greeting} {QUESTION_WITH_TIP[language]}")
        await bot.api.wait_for(lambda m: tip_of(m) is not None, since=since)


PHOTO = [{"file_id": "AgACphoto", "file_unique_id": "uphoto", "width": 90, "height": 60}]
MEDIA: dict[str, Any] = {
    "photo": PHOTO,
    "sticker": {
        "file_id": "CAACsticker",
        "file_unique_id": "usticker",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    },
    "voice": {"file_id": "AwACvoice", "file_unique_id": "uvoice", "duration": 3},
    "document": {"file_id": "BQACdoc", "file_unique_id": "udoc", "file_name": "scan.pdf"},
    "video": {
        "file_id": "BAACvideo",
        "file_unique_id": "uvideo",
        "width": 9,
        "height": 9,
        "duration": 2,
    },
}


@pytest.mark.parametrize("language", ["en", "uk"])
async def test_media_in_a_private_chat_gets_a_short_pointer_and_none_in_a_group(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, parent.id, language=language)
        group = bot.api.make_group(admins=[parent])
        _ = bot.services.catalogs.for_language(language).gettext
        pointer = _(
            "I can only read text. Type your question in words, or send a command such as "
            "/tip or /help."
        )
        for kind, content in MEDIA.items():
            since = len(bot.api.sent)
            message = {
                "message_id": 9000 + len(bot.api.sent),
                "from": parent.to_api(),
                "chat": {"id": parent.id, "type": "private", "first_name": parent.first_name},
                "date": 1_700_000_000,
                kind: content,
            }
            bot.api.inject_update({"message": message})
            reply = await bot.api.wait_for(lambda m: m.chat_id == parent.id, since=since)
            assert reply.plain_text == pointer, kind
        # In a group the bot says nothing to a photo (nobody asked it anything).
        since = len(bot.api.sent)
        group_photo = {
            "message_id": 77,
            "from": parent.to_api(),
            "chat": group.to_api(),
            "date": 1_700_000_000,
            "photo": PHOTO,
        }
        bot.api.inject_update({"message": group_photo})
        await bot.say(parent, "/help", chat=group)
        assert [m.plain_text[:20] for m in bot.api.sent[since:-1]] == []


async def test_any_member_asks_in_a_group_with_ask_and_the_group_gets_the_answer(
    migrated_url: str,
) -> None:
    question, tip_id = QUESTIONS["pl"]
    async with running_bot(migrated_url) as bot:
        admin = bot.api.make_user("Ada", language_code="pl")
        member = bot.api.make_user("Mo", language_code="pl")
        group = bot.api.make_group(admins=[admin], members=[member])
        await seed_chat(bot.services, group.id, kind="group", language="pl", region="wales")

        answer = await ask(bot, member, f"/ask {question}", chat=group)

        assert tip_of(answer[0]) == tip_id
        assert answer[0].params.get("reply_parameters") or answer[0].params.get(
            "reply_to_message_id"
        )
        _ = bot.services.catalogs.for_language("pl").gettext
        (hint,) = await ask(bot, member, "/ask", chat=group)
        assert hint.plain_text == _(
            "Write your question after the command, for example: /ask teething gel"
        )
        # Other text in a group is no question: privacy mode hides it, and a bot that is an
        # admin, which sees it, still answers /ask alone.
        seen = bot.api.make_group(admins=[admin], members=[member], bot_status="administrator")
        await seed_chat(bot.services, seen.id, kind="group", language="pl")
        assert await ask(bot, member, question, chat=seen) == []
        assert (await counts(bot))[("health", "pl", "asked")] == 1


PLAYDOUGH = """---
id: l-homemade-playdough
title: "Make playdough together at home"
topics: [learning]
audience:
  child_age: {from: 1 year}
priority: 3
sources:
  - title: "NHS Best Start in Life – Play ideas"
    url: https://www.nhs.uk/best-start-in-life/
reviewed: 2026-11-01
review_by: 2027-11-01
---
Playdough is cheap to make: mix two cups of flour, half a cup of salt, two tablespoons of oil
and a cup of warm water. Squashing and rolling it builds the hand muscles children need to hold
a pencil later.
"""


def content_copy(tmp_path: Path) -> Path:
    """A copy of the shipped library an editor may change (the danger-sign list included)."""
    folder = tmp_path / "content"
    shutil.copytree(REPO / "content" / "tips", folder / "tips")
    shutil.copy(REPO / "content" / "topics.yaml", folder / "topics.yaml")
    shutil.copy(REPO / "content" / DANGER_SIGNS_FILE, folder / DANGER_SIGNS_FILE)
    if (REPO / "content" / "images").is_dir():
        shutil.copytree(REPO / "content" / "images", folder / "images")
    return folder


async def test_a_reload_rebuilds_the_index_and_a_broken_danger_list_keeps_the_last_good_one(
    migrated_sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = content_copy(tmp_path)
    library = load_library(folder, today=START.date())
    question = "How do I make playdough at home with flour and salt?"
    async with running_bot(migrated_sqlite_url, library=library, content_dir=folder) as bot:
        parent = bot.api.make_user("Ola", language_code="en")
        await seed_chat(bot.services, parent.id, born=START.date() - timedelta(days=800))
        reloader = ContentReloader(bot.app)
        bot.app.bot_data.reloader = reloader

        before = await ask(bot, parent, question)
        assert "l-homemade-playdough" not in [tip_of(m) for m in before]

        (folder / "tips" / "learning" / "l-homemade-playdough.md").write_text(PLAYDOUGH)
        assert await reloader.watcher.poll()  # what the running bot does every few seconds
        after = await ask(bot, parent, question)
        assert tip_of(after[0]) == "l-homemade-playdough"

        signs = folder / DANGER_SIGNS_FILE
        signs.write_text(signs.read_text() + "\n  - id: Broken Sign\n")
        with caplog.at_level(logging.WARNING):
            assert await reloader.watcher.poll()  # the list is watched like the tips
        logged = [r.getMessage() for r in caplog.records]
        assert any(
            f"content/{DANGER_SIGNS_FILE}:" in line and ": error: " in line for line in logged
        ), logged
        nation, urgent = URGENT["en"]
        still = await ask(bot, parent, urgent)
        assert tip_of(still[0]) == f"h-urgent-help-{nation}"  # the last good list answers
        again = await ask(bot, parent, question)
        assert tip_of(again[0]) == "l-homemade-playdough"


async def test_unanswered_texts_are_kept_only_when_the_operator_says_so_without_a_chat(
    migrated_url: str,
) -> None:
    async with running_bot(
        migrated_url, ask_keep_unanswered=True, ask_unanswered_retention_days=7
    ) as bot:
        parent = bot.api.make_user("Ola", language_code="pl")
        await seed_chat(bot.services, parent.id, language="pl", born=BORN)
        _ = bot.services.catalogs.for_language("pl").gettext
        question = UNANSWERABLE["pl"] + " Pozdrawiam, ola@example.com, 07700 900123"
        await ask(bot, parent, question)

        async with bot.services.sessions() as session:
            (kept,) = (await session.exec(select(UnansweredQuestion))).all()
        assert kept.language == "pl" and kept.topic == ""
        assert kept.text.startswith(UNANSWERABLE["pl"])
        assert "7700" not in kept.text and "example.com" not in kept.text
        assert not hasattr(kept, "chat_id")

        mydata = await bot.say(parent, "/mydata")
        assert (
            _(
                "Questions you ask are not stored with this chat: only counted by topic and "
                "language."
            )
            in mydata.plain_text
        )
        kept_line = _(
            "The words of questions I had no tip for are kept for %(days)d days for our "
            "editors, with no chat id, so /forget cannot find them; links, e-mail addresses "
            "and phone numbers are removed."
        ) % {"days": 7}
        assert kept_line in mydata.plain_text
        help_text = (await bot.say(parent, "/help")).plain_text
        assert kept_line in help_text

        forget = await bot.say(parent, "/forget")
        await bot.tap(parent, forget, _("Yes, erase everything"))
        async with bot.services.sessions() as session:  # no chat id: /forget cannot find it
            assert len((await session.exec(select(UnansweredQuestion))).all()) == 1

        bot.clock.advance(timedelta(days=8))
        await purge_log(BotContext(bot.app))  # the daily retention job
        async with bot.services.sessions() as session:
            assert not (await session.exec(select(UnansweredQuestion))).all()


async def test_with_no_usable_danger_list_at_start_up_questions_get_no_guess(
    migrated_sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A first start with a broken list has no last good one: rather than answer without the
    urgent-first rule, every question gets the honest reply (and the log says what to fix)."""
    folder = content_copy(tmp_path)
    (folder / DANGER_SIGNS_FILE).write_text("urgent_tips: [oops\n")
    library = load_library(folder, today=START.date())
    async with running_bot(
        migrated_sqlite_url, library=library, content_dir=folder, content_reload_seconds=0
    ) as bot:
        with caplog.at_level(logging.WARNING):
            await start_content_reload(bot.app)  # as `tipsbot run` does before polling
            assert bot.app.bot_data.ask_build is not None
            await bot.app.bot_data.ask_build
        logged = [r.getMessage() for r in caplog.records]
        assert any(
            re.search(rf"content/{DANGER_SIGNS_FILE}:\d+: error: YAML", line) for line in logged
        ), logged
        parent = bot.api.make_user("Ola", language_code="en")
        await seed_chat(bot.services, parent.id, born=BORN)
        for question in (URGENT["en"][1], QUESTIONS["en"][0]):
            (reply,) = await ask(bot, parent, question)
            assert tip_of(reply) is None
            assert reply.plain_text.startswith("I don't have a tip on that yet.")
        await stop_content_reload(bot.app)


@pytest.mark.parametrize("language", ["en", "cy", "pl", "uk", "ur"])
async def test_the_question_sets_through_the_bot_urgent_first_and_the_search_s_answer(
    migrated_sqlite_url: str, language: str
) -> None:
    """Every danger-sign question of the language's set (tests/ask/questions), asked by a
    family in its nation with its child, gets that nation's urgent-help tip first; and for
    every question asked, the bot shows exactly the tips the search answers, in order."""
    from tests.ask.quality import child_stage, load_questions

    questions = load_questions(language)
    urgent = [q for q in questions if q.urgent]
    others = [q for q in questions if not q.urgent][:8]
    assert len(urgent) >= 8
    async with running_bot(migrated_sqlite_url) as bot:
        today = START.date()
        for number, question in enumerate(urgent + others):
            (child,) = child_stage(question.child, today) or (None,)
            parent = bot.api.make_user(f"P{number}", language_code=language)
            await seed_chat(
                bot.services,
                parent.id,
                language=language,
                region=question.nation,
                due=child.due_date if child else None,
                born=child.birth_date if child else None,
            )
            answer = await ask(bot, parent, question.text)

            where = f"{language}.yaml:{question.line}: {question.text}"
            index = bot.app.bot_data.ask.index
            assert index is not None
            asker = Asker(language, question.nation, child_stage(question.child, today))
            expected = answer_question(index, question.text, asker, today=today)
            tips = [tip_of(m) for m in answer if tip_of(m) is not None]  # not the English note
            assert tips == [t.id for t in expected.shown], where
            assert len(answer) - len(tips) <= 1, where  # the note, or the honest reply
            if question.urgent:
                assert tip_of(answer[0]) == f"h-urgent-help-{question.nation}", where


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_a_group_gets_a_few_answers_an_hour_but_a_danger_sign_always(
    migrated_url: str, language: str
) -> None:
    from bot.handlers.ask import GROUP_ANSWERS_PER_HOUR

    question, tip_id = QUESTIONS[language]
    nation, urgent = URGENT[language]
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        limit = _(
            "That is as many answers as a group can have in an hour. Ask me in a private "
            "chat, or here again later."
        )
        member = bot.api.make_user("Mo", language_code=language)
        group = bot.api.make_group(members=[member], admins=[bot.api.make_user("Ada")])
        await seed_chat(bot.services, group.id, kind="group", language=language, region=nation)
        for _n in range(GROUP_ANSWERS_PER_HOUR):
            answer = await ask(bot, member, f"/ask {question}", chat=group)
            assert tip_id in [tip_of(m) for m in answer]

        assert [m.plain_text for m in await ask(bot, member, f"/ask {question}", group)] == [limit]
        assert await ask(bot, member, f"/ask {question}", group) == []  # told once
        (first, *others) = await ask(bot, member, f"/ask {urgent}", group)
        assert tip_of(first) == f"h-urgent-help-{nation}"
        index = bot.app.bot_data.ask.index
        assert index is not None
        shown = answer_question_now(bot, urgent, language, nation)
        assert [tip_of(m) for m in others] == [t.id for t in shown.urgent[1:]]  # urgent only

        bot.clock.advance(timedelta(minutes=61))
        answer = await ask(bot, member, f"/ask {question}", chat=group)
        assert tip_id in [tip_of(m) for m in answer]
