"""The mail threads export: the threads a filter matches as sheet rows (``thread_fields.SHEET_COLUMNS``).

Threads are read in keyset batches, each on a short session, so memory stays flat
whatever the number of threads; the printable report reads them the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models import Follower, MailThread, User, table_of
from resolvers.thread_fields import COLUMN_FIELDS, FOLLOWERS, ID_COLUMN, SHEET_COLUMNS, cell
from resolvers.threads import ThreadQuery, thread_conditions
from resolvers.viewer import Viewer

T = table_of(MailThread)
F = table_of(Follower)
U = table_of(User)

#: Threads read at once by an export (keyset batches: memory stays flat).
EXPORT_BATCH = 1000
#: The registry's column fields, read for each thread of an export or a report.
_COLUMNS = tuple(T.c[f.column or ""].label(f.name) for f in COLUMN_FIELDS)


async def thread_batches(
    db: Database, viewer: Viewer, q: ThreadQuery, batch: int = EXPORT_BATCH
) -> AsyncIterator[list[dict[str, Any]]]:
    """The matching threads in id order (their id and column fields by name), ``batch`` at a time,
    each batch read on a short session."""
    conds = thread_conditions(viewer, q)
    last: str | None = None
    while True:
        statement = select(T.c.id.label(ID_COLUMN), *_COLUMNS).where(*conds)
        if last is not None:
            statement = statement.where(T.c.id > last)
        async with db.read() as session:
            result = await session.execute(statement.order_by(T.c.id).limit(batch))
            rows = [dict(r) for r in result.mappings()]
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last = rows[-1][ID_COLUMN]


async def follower_logins(session: AsyncSession, thread_ids: list[str]) -> dict[str, list[str]]:
    """The followers' logins of each thread, in the order they started following."""
    statement = (
        select(F.c.thread_id, U.c.login)
        .join(U, U.c.id == F.c.user_id)
        .where(F.c.thread_id.in_(thread_ids))
        .order_by(F.c.thread_id, F.c.since, F.c.id)
    )
    found: dict[str, list[str]] = {}
    for thread_id, login in await session.execute(statement):
        found.setdefault(thread_id, []).append(login)
    return found


async def export_rows(db: Database, viewer: Viewer, q: ThreadQuery) -> AsyncIterator[list[list[str]]]:
    """The export's rows (``SHEET_COLUMNS``), one batch at a time."""
    async for batch in thread_batches(db, viewer, q):
        async with db.read() as session:
            followers = await follower_logins(session, [t[ID_COLUMN] for t in batch])
        for thread in batch:
            # In the sheet, followers are the logins in the order they started following.
            thread[FOLLOWERS.name] = ", ".join(followers.get(thread[ID_COLUMN], ()))
        yield [[cell(thread[name]) for name in SHEET_COLUMNS] for thread in batch]
