"""`tipsbot link TOPIC`: the t.me deep link for a topic, and a QR code of it for posters."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import fail, get_settings

if TYPE_CHECKING:
    from domain.settings import Settings


def deep_link(username: str, topic: str, *, group: bool = False) -> str:
    return f"https://t.me/{username}?{'startgroup' if group else 'start'}={topic}"


async def _bot_username(settings: Settings) -> str:
    from telegram import Bot

    bot = Bot(settings.bot_token(), base_url=settings.telegram_base_url)
    async with bot:
        return bot.username


@click.command("link")
@click.argument("topic")
@click.option("--bot-username", help="The bot's @username (default: asked from Telegram).")
@click.option("--group", is_flag=True, help="A link that adds the bot to a group instead.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the QR code PNG (default: link-TOPIC.png).",
)
@click.option("--scale", type=click.IntRange(1, 50), default=10, show_default=True)
@click.pass_context
def link(
    ctx: click.Context,
    topic: str,
    bot_username: str | None,
    group: bool,
    output: Path | None,
    scale: int,
) -> None:
    """Print the deep link that subscribes straight to TOPIC, and write its QR code as PNG."""
    import segno
    from telegram.error import TelegramError

    from domain.content.loader import load_library

    settings = get_settings(ctx)
    topics = load_library(settings.content_dir, today=date.today()).topics
    if not topics:
        fail(f"no topics in {settings.content_dir / 'topics.yaml'} (check CONTENT_DIR)")
    if topic not in topics:
        fail(f"unknown topic {topic!r}; topics: {', '.join(topics)}")
    target = output or Path(f"link-{topic}.png")
    if not target.parent.is_dir():  # before asking Telegram anything
        fail(f"--output: the folder {target.parent} does not exist")
    if bot_username is None:
        try:
            bot_username = asyncio.run(_bot_username(settings))
        except TelegramError as exc:
            fail(f"cannot ask Telegram for the bot's username ({exc}); pass --bot-username")
    url = deep_link(bot_username.lstrip("@"), topic, group=group)
    try:
        segno.make(url, error="m").save(str(target), scale=scale, border=4)
    except OSError as exc:
        fail(f"--output: cannot write {target}: {exc.strerror or exc}")
    click.echo(url)
    click.echo(f"QR code written to {target}")
