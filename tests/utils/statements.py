"""Counting the SQL statements a block of code runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from db.engine import Database
from schema.execution import compiled


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """The SQL statements run on every engine of ``db`` inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not compiled.verifying:  # graphql-core's second run of a query, in tests only
            statements.append(statement)

    engines = [engine.sync_engine for engine in db.engines]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
