"""Joining arriving mail to threads by In-Reply-To and References.

A new message of an owner belongs to the thread of the owner's stored message
that it answers: the one whose Message-ID is its In-Reply-To, else the newest
of its References. When that message has no thread yet, a mail thread is made,
named after the subject without Re:/Fwd:/Отв: prefixes, and the answered
message joins it (the caller logs that change). A reply that arrived before
the message it answers (an mbox out of order) is found the other way round,
by its In-Reply-To.

An import plans a whole batch at once (``plan_threads``): one SELECT finds the
stored messages any of the batch may join, the rules above run in memory over
them and over the batch's own earlier messages, in arrival order, so the
outcome is the one storing the messages one by one would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_name
from db.models import MailThread, Message, table_of
from db.types import utcnow
from resolvers.subjects import thread_name
from resolvers.thread_fields import MAX_NAME
from resolvers.thread_store import NewThread, insert_threads
from resolvers.threads import new_key

M = table_of(Message)
T = table_of(MailThread)


@dataclass(frozen=True, slots=True)
class Arrival:
    """What threading reads of an arriving message."""

    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: list[str]


@dataclass(slots=True)
class ThreadJoin:
    """The thread an arrival goes to, and messages that joined that thread now."""

    thread_id: str | None = None
    #: (ref, folder id) of the messages that joined the thread now: a ref >= 0 is a
    #: stored message's id, a ref < 0 is the arrival at index -ref - 1 of the batch.
    joined: list[tuple[int, int]] = field(default_factory=list)
    created: bool = False

    def joined_ids(self, ids: list[int]) -> list[tuple[int, int]]:
        """``joined`` with the batch's refs replaced by ``ids`` (the batch's message ids, in order)."""
        return [(ref if ref >= 0 else ids[-ref - 1], folder_id) for ref, folder_id in self.joined]


@dataclass(slots=True)
class ThreadPlan:
    """Threads for a batch of arrivals: one join per arrival, the threads to make and the stored rows to move."""

    joins: list[ThreadJoin] = field(default_factory=list)
    #: (key, name) of the threads to create, in creation order.
    new_threads: list[tuple[str, str]] = field(default_factory=list)
    #: stored message id -> the thread it joins now.
    attach: dict[int, str] = field(default_factory=dict)
    #: The thread each arrival is stored with: its join's, or one a later arrival of the batch made for it.
    thread_ids: list[str | None] = field(default_factory=list)

    @property
    def touched(self) -> set[str]:
        """Threads that got mail and existed before it (their ``updated_at`` moves)."""
        return {j.thread_id for j in self.joins if j.thread_id and not j.created}


@dataclass(slots=True)
class _Row:
    ref: int
    folder_id: int
    thread_id: str | None
    subject: str | None
    header: str | None
    in_reply_to: str | None


class _Planner:
    """The threading rules over known rows; rows are kept in id order (stored first, then the batch)."""

    def __init__(self, stored: Iterable[_Row]) -> None:
        self.by_header: dict[str, list[_Row]] = {}
        self.by_reply: dict[str, list[_Row]] = {}
        self.plan = ThreadPlan()
        self.arrived: list[_Row] = []
        for row in stored:
            self._index(row)

    def _index(self, row: _Row) -> None:
        if row.header:
            self.by_header.setdefault(row.header, []).append(row)
        if row.in_reply_to:
            self.by_reply.setdefault(row.in_reply_to, []).append(row)

    def _new_thread(self, name: str) -> str:
        key = new_key()
        self.plan.new_threads.append((key, name))
        return key

    def _attach(self, rows: list[_Row], thread_id: str) -> list[tuple[int, int]]:
        for row in rows:
            row.thread_id = thread_id
            if row.ref >= 0:
                self.plan.attach[row.ref] = thread_id
        return [(row.ref, row.folder_id) for row in rows]

    def _join(self, new: Arrival) -> ThreadJoin:
        wanted = [r for r in dict.fromkeys([new.in_reply_to, *reversed(new.references)]) if r]
        rows = sorted((row for h in wanted for row in self.by_header.get(h, ())), key=_order)
        if rows:
            rank = {mid: i for i, mid in enumerate(wanted)}
            threaded = [r for r in rows if r.thread_id]
            if threaded:
                return ThreadJoin(min(threaded, key=lambda r: rank[r.header or ""]).thread_id)
            parent = min(rows, key=lambda r: rank[r.header or ""])
            made = self._new_thread(thread_name(parent.subject or new.subject))
            same = [r for r in rows if r.header == parent.header]
            return ThreadJoin(made, self._attach(same, made), created=True)
        replies = self.by_reply.get(new.message_id, []) if new.message_id else []
        if replies:
            thread_id = next((r.thread_id for r in replies if r.thread_id), None)
            created = thread_id is None
            if thread_id is None:
                thread_id = self._new_thread(thread_name(new.subject))
            loose = self._attach([r for r in replies if r.thread_id is None], thread_id)
            return ThreadJoin(thread_id, loose, created=created)
        return ThreadJoin()

    def add(self, index: int, folder_id: int, new: Arrival) -> None:
        join = self._join(new)
        self.plan.joins.append(join)
        row = _Row(-index - 1, folder_id, join.thread_id, new.subject, new.message_id, new.in_reply_to)
        self.arrived.append(row)
        self._index(row)


def _order(row: _Row) -> tuple[int, int]:
    # Stored rows first by id, then the batch's in arrival order (their ids come later, in that order).
    return (0, row.ref) if row.ref >= 0 else (1, -row.ref)


async def plan_threads(session: AsyncSession, owner_id: int, folder_id: int, arrivals: list[Arrival]) -> ThreadPlan:
    """Where each of ``arrivals`` (to ``folder_id`` of ``owner_id``, in order) goes; one SELECT at most."""
    wanted = {r for a in arrivals for r in (a.in_reply_to, *a.references) if r}
    own_ids = {a.message_id for a in arrivals if a.message_id}
    stored: list[_Row] = []
    if wanted or own_ids:
        conditions = []
        if wanted:
            conditions.append(M.c.message_id_header.in_(bindparam("wanted", sorted(wanted), expanding=True)))
        if own_ids:
            conditions.append(M.c.in_reply_to.in_(bindparam("own", sorted(own_ids), expanding=True)))
        result = await session.execute(
            select(M.c.id, M.c.folder_id, M.c.thread_id, M.c.subject, M.c.message_id_header, M.c.in_reply_to)
            .where(M.c.owner_id == owner_id, or_(*conditions))
            .order_by(M.c.id)
        )
        stored = [_Row(r[0], r[1], r[2], r[3], r[4], r[5]) for r in result]
    planner = _Planner(stored)
    for index, arrival in enumerate(arrivals):
        planner.add(index, folder_id, arrival)
    planner.plan.thread_ids = [row.thread_id for row in planner.arrived]
    return planner.plan


async def make_threads(session: AsyncSession, owner_id: int, plan: ThreadPlan) -> None:
    """Create the plan's threads and move the stored messages that join them (before the batch is inserted)."""
    # Keys are fresh UUIDs (new_key): no taken key to look for, unlike insert_thread.
    made = [NewThread(key, {"name": name.strip()[:MAX_NAME]}) for key, name in plan.new_threads]
    await insert_threads(session, owner_id, made)
    if plan.attach:
        await session.execute(
            update(M)
            .where(M.c.id == bindparam("mid"))
            .values(thread_id=bindparam("tid"), updated_at=utcnow())
            .execution_options(synchronize_session=False),
            [{"mid": mid, "tid": tid} for mid, tid in sorted(plan.attach.items())],
        )


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
