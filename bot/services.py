"""What handlers and jobs need, built once at start-up and reached through the typed context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.content.model import Library
from domain.dbtypes import utcnow
from domain.i18n import Catalogs
from domain.settings import Settings


@dataclass
class LibraryHolder:
    """The library in service; hot reload swaps `current` in one assignment."""

    current: Library


@dataclass
class Services:
    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    library: LibraryHolder
    catalogs: Catalogs
    clock: Callable[[], datetime] = field(default=utcnow)
