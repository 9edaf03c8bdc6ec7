"""Several reads asked for in the same tick, sent as one statement.

A page asks its loaders for folders, threads, labels, attachments, bodies... in
the same tick (``asyncio.gather`` of ``load_many``), and each loader batch is
one SELECT. Sent one by one they cost a round trip each; the :class:`Batcher`
waits for the end of the tick and, when more than one SELECT is waiting, sends
them as one statement whose columns are the JSON arrays of their rows::

    SELECT (SELECT json_agg(json_build_array(q.a, q.b)) FROM (<select 1>) AS q),
           (SELECT json_agg(json_build_array(q.c)) FROM (<select 2>) AS q)

(``json_group_array``/``json_array`` on SQLite), and gives each caller back its
rows as mappings of its own column names, with the values converted back to
what the driver would have returned (timestamps, booleans, JSON columns). The
order of each SELECT's rows is kept (an aggregate over an ordered subquery).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, DateTime, Select, any_, func, literal, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeDecorator, TypeEngine

if TYPE_CHECKING:
    from db.engine import Database

Row = dict[str, Any]
#: PostgreSQL takes at most 100 arguments to a function (json_build_array): wider selects go alone.
MAX_COLUMNS = 100


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _boolean(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _converter(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How a value that went through JSON becomes what the column's type reads as."""
    impl = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(impl, DateTime):
        return _timestamp
    if isinstance(impl, Boolean):
        return _boolean
    return None


class Batcher:
    """Collects the SELECTs of one tick for ``db`` and runs them in one round trip."""

    __slots__ = ("_pending", "_running", "db")

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[Select[Any], asyncio.Future[Sequence[Any]]]] = []
        self._running: set[asyncio.Task[None]] = set()  # held until done: the loop keeps weak references

    async def rows(self, statement: Select[Any]) -> Sequence[Any]:
        """The rows of ``statement`` (mappings by column name), sent with its tick's neighbours."""
        if len(statement.selected_columns) > MAX_COLUMNS:
            return await self._alone(statement)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Sequence[Any]] = loop.create_future()
        if not self._pending:
            # Loader batches of one tick start as tasks in the same loop iteration: flush after them.
            loop.call_soon(self._flush)
        self._pending.append((statement, future))
        return await future

    async def _alone(self, statement: Select[Any]) -> Sequence[Any]:
        async with self.db.read() as session:
            return (await session.execute(statement)).mappings().all()

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._run(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[Select[Any], asyncio.Future[Sequence[Any]]]]) -> None:
        try:
            if len(batch) == 1:
                results: list[Sequence[Any]] = [await self._alone(batch[0][0])]
            else:
                results = await self._together([statement for statement, _ in batch])
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), rows in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(rows)

    async def _together(self, statements: list[Select[Any]]) -> list[Sequence[Any]]:
        sqlite = self.db.is_sqlite
        columns = []
        for n, statement in enumerate(statements):
            sub = statement.subquery(f"b{n}")
            values = [
                func.json(c) if sqlite and isinstance(c.type, JSON) else c  # else SQLite embeds JSON as a string
                for c in sub.c
            ]
            if sqlite:
                aggregate = func.json_group_array(func.json_array(*values))
            else:
                aggregate = func.coalesce(func.json_agg(func.json_build_array(*values)), literal_column("'[]'::json"))
            columns.append(type_coerce(select(aggregate).select_from(sub).scalar_subquery(), JSON).label(f"r{n}"))
        async with self.db.read() as session:
            row = (await session.execute(select(*columns))).one()
        return [_decode(statement, arrays or []) for statement, arrays in zip(statements, row, strict=True)]


def _decode(statement: Select[Any], arrays: list[list[Any]]) -> list[Row]:
    selected = list(statement.selected_columns)
    keys = [str(c.key) for c in selected]
    converters = [(i, conv) for i, c in enumerate(selected) if (conv := _converter(c.type)) is not None]
    rows: list[Row] = []
    for values in arrays:
        for i, conv in converters:
            values[i] = conv(values[i])
        rows.append(dict(zip(keys, values, strict=True)))
    return rows


def one_of(column: Any, values: Sequence[Any], *, sqlite: bool) -> Any:
    """``column IN values``, with a statement text that does not depend on how many values:
    ``= ANY($1::type[])`` on PostgreSQL, so that one prepared statement serves every page size.
    (SQLite has no arrays; it prepares nothing across calls either.)"""
    if sqlite:
        return column.in_(list(values))
    return column == any_(literal(list(values), ARRAY(column.type)))
