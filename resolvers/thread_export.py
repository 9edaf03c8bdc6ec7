"""The mail threads export: the threads a filter matches as sheet rows (``thread_sheets.COLUMNS``).

Threads are read in keyset batches, each on a short session, so memory stays flat
whatever the number of threads; the printable report reads them the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models import Follower, MailThread, User, table_of
from resolvers.threads import ThreadQuery, thread_conditions
from resolvers.viewer import Viewer

T = table_of(MailThread)
F = table_of(Follower)
U = table_of(User)

#: Threads read at once by an export (keyset batches: memory stays flat).
EXPORT_BATCH = 1000


async def thread_batches(
    db: Database, viewer: Viewer, q: ThreadQuery, batch: int = EXPORT_BATCH
) -> AsyncIterator[list[tuple[str, str]]]:
    """(id, name) of the matching threads in id order, ``batch`` at a time, each read on a short session."""
    conds = thread_conditions(viewer, q)
    last: str | None = None
    while True:
        statement = select(T.c.id, T.c.name).where(*conds)
        if last is not None:
            statement = statement.where(T.c.id > last)
        async with db.read() as session:
            rows = [(r.id, r.name) for r in await session.execute(statement.order_by(T.c.id).limit(batch))]
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last = rows[-1][0]


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
    """The export's rows (``COLUMNS``), one batch at a time."""
    async for batch in thread_batches(db, viewer, q):
        async with db.read() as session:
            followers = await follower_logins(session, [tid for tid, _ in batch])
        yield [[tid, name, ", ".join(followers.get(tid, ()))] for tid, name in batch]
