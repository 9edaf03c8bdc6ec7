"""Paging: opaque keyset cursors over (sort key, id), or an offset, never both."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from resolvers.errors import BadUserInput

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
