"""The `tipsbot` command line (also `python -m bot`).

Each command lives in its own module and is imported only when it runs (see `bot.cli.lazy`);
helpers the commands share are in `bot.cli.common`.
"""

from __future__ import annotations

import os

import click

from bot.cli.lazy import Lazy, LazyGroup

COMMANDS = {
    "run": Lazy(
        "bot.cli.run:run_command",
        "Run the bot: migrate the database, load the library, poll Telegram, send tips.",
    ),
    "db": Lazy("bot.cli.db:db", "Database maintenance."),
    "content": Lazy(
        "bot.cli.content:content",
        "Check, preview and measure the editors' tips (see content/README.md).",
    ),
    "send-due": Lazy(
        "bot.cli.delivery:send_due",
        "Plan the due slots and send them, once, then exit (for cron and catch-up).",
    ),
    "broadcast": Lazy(
        "bot.cli.broadcast:broadcast",
        "Send one tip to every matching active chat as soon as possible "
        "(the running bot sends it).",
    ),
    "deliveries": Lazy(
        "bot.cli.deliveries:deliveries",
        "The delivery log: every tip planned or sent, newest first.",
    ),
    "link": Lazy(
        "bot.cli.link:link",
        "Print the deep link that subscribes straight to TOPIC, and write its QR code as PNG.",
    ),
    "stats": Lazy(
        "bot.cli.ops:stats_command",
        "Subscribers, deliveries per day, failures, lag, feedback and stops after tips.",
    ),
    "questions": Lazy(
        "bot.cli.questions:questions",
        "Parents' questions by topic and language, gaps first, and the kept unanswered texts.",
    ),
    "web": Lazy(
        "bot.cli.web:web",
        "Serve the dashboard, /healthz and /metrics alone (no bot token needed); Ctrl-C stops.",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="tipsbot")
def main() -> None:
    """tipsbot: curated, timely tips for families on Telegram."""
    # PTB 22 reports retry_after as a timedelta when asked to (and warns otherwise).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # Everything tipsbot creates (database, its -wal/-shm, lock files, exports) holds chat data:
    # readable by this user only, whatever umask the shell or service manager set.
    os.umask(0o077)
