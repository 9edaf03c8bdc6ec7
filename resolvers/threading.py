"""Joining arriving mail to threads by In-Reply-To and References.

A new message of an owner belongs to the thread of the owner's stored message
that it answers: the one whose Message-ID is its In-Reply-To, else the newest
of its References. When that message has no thread yet, a mail thread is made,
named after the subject without Re:/Fwd:/Отв: prefixes, and the answered
message joins it (the caller logs that change). A reply that arrived before
the message it answers (an mbox out of order) is found the other way round,
by its In-Reply-To.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_name
from db.models import MailThread, Message, table_of
from db.types import utcnow
from resolvers.subjects import thread_name
from resolvers.thread_store import insert_thread

M = table_of(Message)
T = table_of(MailThread)


@dataclass(slots=True)
class ThreadJoin:
    """The thread the new message goes to, and stored messages that joined it now."""

    thread_id: str | None = None
    #: (message id, folder id) of the owner's stored messages that joined the thread now.
    joined: list[tuple[int, int]] = field(default_factory=list)
    created: bool = False


async def _attach(session: AsyncSession, thread_id: str, joined: list[tuple[int, int]]) -> None:
    ids = [mid for mid, _ in joined]
    await session.execute(update(M).where(M.c.id.in_(ids)).values(thread_id=thread_id, updated_at=utcnow()))


async def touch_threads(session: AsyncSession, thread_ids: Iterable[str]) -> None:
    """Mail arrived in these threads: they were updated now (one statement for a batch).

    Arrivals hold their owners' locks already, and a thread's row comes before owners in
    the lock order (resolvers.locking): so a thread that another unit of work holds is
    skipped, not waited for. That unit is changing the thread and bumps updated_at itself.
    """
    wanted = sorted(set(thread_ids))
    if not wanted:
        return
    free = select(T.c.id).where(T.c.id.in_(wanted)).order_by(T.c.id)
    if dialect_name(session) == "postgresql":
        free = free.with_for_update(skip_locked=True)
    await session.execute(update(T).where(T.c.id.in_(free)).values(updated_at=utcnow()))


async def find_thread(
    session: AsyncSession,
    owner_id: int,
    *,
    subject: str,
    message_id: str | None,
    in_reply_to: str | None,
    references: list[str],
) -> ThreadJoin:
    """The thread a new message of ``owner_id`` belongs to; may create it (see the module).

    An existing thread is not touched here: the caller passes the threads that got
    mail to ``touch_threads`` once per unit of work.
    """
    wanted = [r for r in dict.fromkeys([in_reply_to, *reversed(references)]) if r]
    if wanted:
        rows = (
            await session.execute(
                select(M.c.id, M.c.folder_id, M.c.thread_id, M.c.subject, M.c.message_id_header)
                .where(M.c.owner_id == owner_id, M.c.message_id_header.in_(wanted))
                .order_by(M.c.id)
            )
        ).all()
        if rows:
            rank = {mid: i for i, mid in enumerate(wanted)}
            threaded = [r for r in rows if r.thread_id]
            if threaded:
                best = min(threaded, key=lambda r: rank[r.message_id_header])
                return ThreadJoin(best.thread_id)
            parent = min(rows, key=lambda r: rank[r.message_id_header])
            same = [(r.id, r.folder_id) for r in rows if r.message_id_header == parent.message_id_header]
            thread = await insert_thread(session, owner_id, thread_name(parent.subject or subject))
            await _attach(session, thread.id, same)
            return ThreadJoin(thread.id, same, created=True)
    if message_id:
        replies = (
            await session.execute(
                select(M.c.id, M.c.folder_id, M.c.thread_id)
                .where(M.c.owner_id == owner_id, M.c.in_reply_to == message_id)
                .order_by(M.c.id)
            )
        ).all()
        if replies:
            thread_id = next((r.thread_id for r in replies if r.thread_id), None)
            created = thread_id is None
            if thread_id is None:
                thread_id = (await insert_thread(session, owner_id, thread_name(subject))).id
            loose = [(r.id, r.folder_id) for r in replies if r.thread_id is None]
            if loose:
                await _attach(session, thread_id, loose)
            return ThreadJoin(thread_id, loose, created=created)
    return ThreadJoin()
