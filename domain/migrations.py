"""Running Alembic migrations from code (`tipsbot db upgrade`, start-up, tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.config import Config

from alembic import command

ALEMBIC_DIR = Path(__file__).resolve().parents[1] / "alembic"


def alembic_config(database_url: str) -> Config:
    config = Config(str(ALEMBIC_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    # A literal % in a password would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database up to `revision`. Blocking: call before the event loop starts
    (env.py runs its own loop) or from a worker thread."""
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """`upgrade` for callers inside an event loop: runs in a worker thread."""
    await asyncio.to_thread(upgrade, database_url, revision)
