"""Editors see the answers to "did you try it?": per tip on the dashboard's Tips page and in
`tipsbot stats`, counted in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from bot.cli.ops import render_stats
from domain.chats import record_tried
from domain.stats import collect_stats, tip_activity
from tests.bot.harness import Database, seed_chat, shipped_library
from tests.web.conftest import NOW, make_services, open_client, sign_in
from tests.web.html import Page

ASKS = "l-count-and-touch"  # a week's follow-up in the shipped library that asks
ALSO_ASKS = "l-go-on-a-sound-hunt"
DOES_NOT_ASK = "l-counting-is-more-than-numbers"


async def seed_answers(db: Database) -> None:
    """Three chats answer under ASKS (one changes its mind to yes); nobody under ALSO_ASKS."""
    chats = [await seed_chat(db, telegram_id) for telegram_id in (501, 502, 503)]
    answers = [(chats[0], False), (chats[0], True), (chats[1], True), (chats[2], False)]
    async with db.sessions() as session:
        for chat_id, tried in answers:
            await record_tried(session, chat_id=chat_id, tip_id=ASKS, tried=tried, now=NOW)
            await session.flush()
        await session.commit()


async def test_answers_are_counted_per_tip_once_per_chat(db: Database) -> None:
    library = shipped_library()
    assert library.tips[ASKS].asks_tried and library.tips[ALSO_ASKS].asks_tried
    assert not library.tips[DOES_NOT_ASK].asks_tried
    await seed_answers(db)
    async with db.sessions() as session:
        activity = await tip_activity(session)
        stats = await collect_stats(session, now=NOW, days=7)
    assert (activity[ASKS].tried_yes, activity[ASKS].tried_not_yet) == (2, 1)
    assert ALSO_ASKS not in activity
    assert stats.tried == {ASKS: {"yes": 2, "not_yet": 1}}
    assert stats.as_dict()["tried"] == {ASKS: {"yes": 2, "not_yet": 1}}
    text = render_stats(stats, 7)
    assert f"  {ASKS:<40} tried: 2 yes / 1 not yet" in text.splitlines()


async def test_the_tips_page_shows_tried_counts_for_the_tips_that_ask(db: Database) -> None:
    await seed_answers(db)
    client = await open_client(make_services(db))
    try:
        await sign_in(client)
        response = await client.get("/tips")
        assert response.status == 200
        records = Page(await response.text()).records("tips-table")
    finally:
        await client.close()
    assert records[ASKS]["Tried it"] == "2 yes / 1 not yet"
    assert records[ALSO_ASKS]["Tried it"] == "0 yes / 0 not yet"
    assert records[DOES_NOT_ASK]["Tried it"] == "–"
