"""Bulk writes for planning: delivery rows inserted and schedule slots moved for a whole batch
of chats, each in one short statement.

Statements take their rows by column, so that one short statement, compiled once, serves any
number of rows: a column whose value is the same in every row (the planning instant, the lane,
often the slot) is one parameter; the others go as one array per column that PostgreSQL
unnests, or on SQLite as one JSON array of rows that json_each unnests (its values already
converted as SQLAlchemy stores them). No per-row parameter processing, and no statement text
with thousands of placeholders (which psycopg would re-parse every time).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Executable,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    true,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.dbtypes import UTCDateTime
from domain.models import Delivery, Schedule


async def insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT (chat_id, tip_id) DO NOTHING RETURNING id, on either database
    (the returned rows count what was really added; rowcount is not reliable here).
    Every row has the same keys; they go by column (see `_columnar`)."""
    if not rows:
        return 0
    connection = await session.connection()
    dialect = connection.dialect
    shape, params = _columnar(rows, tuple(rows[0]), _DELIVERY, dialect)
    result = await connection.execute(_insert_columnar(shape, dialect.name), params)
    return len(result.all())


Shape = tuple[tuple[str, bool], ...]  # each column's name, and whether it varies by row


def _columnar(
    rows: Sequence[dict[str, Any]], names: tuple[str, ...], table: Table, dialect: Dialect
) -> tuple[Shape, dict[str, Any]]:
    shape: list[tuple[str, bool]] = []
    params: dict[str, Any] = {}
    by_row: list[list[Any]] = []
    for name in names:
        values = [row[name] for row in rows]
        same = values.count(values[0]) == len(values)
        shape.append((name, not same))
        if same:
            params[name] = values[0]
        elif dialect.name == "postgresql":
            params[name] = values
        else:
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            by_row.append([process(v) for v in values] if process else values)
    if by_row:
        params[_ROWS] = json.dumps(list(zip(*by_row, strict=True)))
    return tuple(shape), params


_ROWS = "rows_json"


def _columns(shape: Shape, table: Table, dialect: str) -> dict[str, ColumnElement[Any]]:
    """Each column of `shape` as an expression: a parameter, or a column of the unnested
    rows (see `_columnar`)."""
    varying = [name for name, varies in shape if varies]
    found: dict[str, ColumnElement[Any]] = {
        name: bindparam(name, type_=table.c[name].type) for name, varies in shape if not varies
    }
    if varying and dialect == "postgresql":
        arrays = (bindparam(name, type_=ARRAY(table.c[name].type)) for name in varying)
        unnested = func.unnest(*arrays).table_valued(*varying).render_derived()
        found |= {name: unnested.c[name] for name in varying}
    elif varying:
        each = func.json_each(bindparam(_ROWS, type_=String())).table_valued("value")
        found |= {
            name: func.json_extract(each.c.value, f"$[{n}]") for n, name in enumerate(varying)
        }
    return {name: found[name] for name, _ in shape}


@functools.cache
def _insert_columnar(shape: Shape, dialect: str) -> Executable:
    columns = _columns(shape, _DELIVERY, dialect)
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    # WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (a parsing rule).
    rows = sa_select(*columns.values()).where(true())
    return (
        maker(_DELIVERY)
        .from_select(list(columns), rows)
        .on_conflict_do_nothing(index_elements=["chat_id", "tip_id"])
        .returning(_DELIVERY.c.id)
    )


_DELIVERY = cast("Table", Delivery.__table__)  # type: ignore[attr-defined]


async def move_slots(session: AsyncSession, moved: list[dict[str, Any]]) -> None:
    """Every planned chat's next slot (and last slot, when one was planned), in one statement."""
    connection = await session.connection()
    dialect = connection.dialect
    shape, params = _columnar(moved, ("cid", "nxt", "last"), _MOVED, dialect)
    await connection.execute(_move_slots_columnar(shape, dialect.name), params)


_SCHEDULE = cast("Table", Schedule.__table__)  # type: ignore[attr-defined]
# The columns of a slot move (only their names and types are used).
_MOVED = Table(
    "moved",
    MetaData(),
    Column("cid", Integer),
    Column("nxt", UTCDateTime),
    Column("last", UTCDateTime),
)


@functools.cache
def _move_slots_columnar(shape: Shape, dialect: str) -> Executable:
    moved = _columns(shape, _MOVED, dialect)
    return (
        update(_SCHEDULE)
        .where(_SCHEDULE.c.chat_id == moved["cid"])
        .values(
            next_slot_at=moved["nxt"],
            last_slot_at=func.coalesce(moved["last"], _SCHEDULE.c.last_slot_at),
        )
    )
