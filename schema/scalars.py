"""DateTime: ISO-8601 with an offset; an input without one is read as UTC, and the schema says so.

Strawberry's own DateTime handed resolvers a naive datetime for ``2026-03-01T10:00:00``,
each resolver then took it as UTC, and nothing told the client. Refusing such input
(BAD_USER_INPUT) was the other choice; it is not taken because clients already send
dates without offsets and get the UTC reading (tests/schema/test_auth_tokens.py and
test_messages_errors.py hold that behaviour). So the reading is made here, once, and
the served description says it: every resolver gets an aware datetime.
"""

from __future__ import annotations

import datetime as dt

from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition


def parse_aware(value: str) -> dt.datetime:
    """An ISO-8601 date-time, aware: one without an offset is UTC; ValueError when it is none."""
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed


DATE_TIME = ScalarDefinition(
    name="DateTime",
    description=(
        "ISO-8601 date and time with an offset, e.g. 2025-06-27T12:22:34Z."
        " An input without an offset (2025-06-27T12:22:34) is read as UTC."
    ),
    specified_by_url=None,
    serialize=lambda value: value.isoformat(),
    parse_value=wrap_parser(parse_aware, "DateTime"),
    parse_literal=None,
    origin=dt.datetime,
)

#: The schema's scalar_overrides.
SCALARS: dict[object, ScalarDefinition] = {dt.datetime: DATE_TIME}
