"""Paging: opaque keyset cursors over (sort key, id), or an offset, never both."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, RowMapping, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import BadUserInput
from resolvers.records import Page

R = TypeVar("R")

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: tuple[Any, int] | None = None
    offset: int = 0


def encode_cursor(order: str, value: Any, ident: int | str) -> str:
    """A cursor that names the ordering it belongs to and the row's position in it."""
    return base64.urlsafe_b64encode(orjson.dumps([order, value, ident])).decode().rstrip("=")


def decode_cursor(cursor: str, order: str) -> tuple[Any, Any]:
    """(sort value, id) of a cursor from a listing with the same ordering."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        name, value, ident = decoded
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadUserInput("the cursor `after` is malformed") from exc
    if name != order:
        raise BadUserInput("the cursor `after` belongs to another ordering or listing")
    return value, ident


def page_request(
    first: int | None,
    after: str | None,
    offset: int | None,
    order: str,
    *,
    default: int = 50,
) -> tuple[int, str | None, int]:
    """Check the paging arguments: (page size, cursor, offset)."""
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}", argument="first")
    if after is not None and offset is not None:
        raise BadUserInput("page with `after` or with `offset`, not both", argument="offset")
    if offset is not None and offset < 0:
        raise BadUserInput("`offset` cannot be negative", argument="offset")
    return size, after, offset or 0


@dataclass(frozen=True, slots=True)
class Keyset:
    """A listing ordered by (sort column, id), named so that its cursors fit no other listing."""

    name: str
    column: ColumnElement[Any]
    id_column: ColumnElement[Any]
    descending: bool

    def order_by(self) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        """The ORDER BY: the sort column, then the id to break ties."""
        if self.descending:
            return self.column.desc(), self.id_column.desc()
        return self.column.asc(), self.id_column.asc()

    def after(self, value: Any, ident: Any) -> ColumnElement[bool]:
        """Rows that come after (value, ident) in this order."""
        if self.descending:
            return or_(self.column < value, and_(self.column == value, self.id_column < ident))
        return or_(self.column > value, and_(self.column == value, self.id_column > ident))


async def keyset_page(
    session: AsyncSession,
    statement: Select[Any],
    keyset: Keyset,
    *,
    size: int,
    after: str | None,
    skip: int,
    decode: Callable[[Any, Any], tuple[Any, Any]],
    record: Callable[[RowMapping], R],
    position: Callable[[R], tuple[Any, int | str]],
) -> Page[R]:
    """One page of ``statement`` in ``keyset`` order: after the cursor ``after`` (its values
    checked by ``decode``) or ``skip`` rows in, ``size`` rows, and one more read to know
    whether a next page exists. ``position`` gives a record's (sort value, id) for its cursor."""
    if after is not None:
        statement = statement.where(keyset.after(*decode(*decode_cursor(after, keyset.name))))
    statement = statement.order_by(*keyset.order_by()).limit(size + 1).offset(skip)
    rows = (await session.execute(statement)).mappings().all()
    items = [record(row) for row in rows[:size]]
    return Page(
        items=items,
        cursors=[encode_cursor(keyset.name, *position(r)) for r in items],
        has_next_page=len(rows) > size,
        has_previous_page=after is not None or skip > 0,
    )
