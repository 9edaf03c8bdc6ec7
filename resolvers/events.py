"""Mailbox events: what the event bus tells subscribers, and what they read back.

The bus carries only (topic, position): for a mailbox the topic is the owner
and the position is a modseq. A subscriber never trusts a notification for its
content; it reads the change log after the last modseq it delivered, in modseq
order, a bounded batch at a time. So a lost, duplicated or reordered
notification costs at most one extra read, and a subscriber that was told to
re-read (the bus lost its connection) misses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Change, ChangeKind, Folder, Message, table_of
from resolvers.changelog import current_modseq, state_string
from resolvers.errors import BadUserInput, RateLimited
from resolvers.records import FolderRecord, MessageRecord
from resolvers.sync import CANNOT_CALCULATE, parse_state

C = table_of(Change)
M = table_of(Message)
F = table_of(Folder)

#: Change-log kinds as MailboxEventKind names.
EVENT_KINDS: dict[str, str] = {
    ChangeKind.CREATED: "MESSAGE_CREATED",
    ChangeKind.UPDATED: "MESSAGE_UPDATED",
    ChangeKind.DESTROYED: "MESSAGE_DESTROYED",
    ChangeKind.FOLDER_UPDATED: "FOLDER_UPDATED",
}
#: Events read from the log at once; a subscriber holds at most this many.
READ_BATCH = 200
#: A subscriber further behind the newest notified modseq than this is ended.
MAX_LAG = 10_000
TOO_SLOW = "subscriberTooSlow"


def mailbox_topic(owner_id: int) -> str:
    """The bus topic of an owner's mailbox; its positions are the owner's modseqs."""
    return f"mailbox:{owner_id}"


# ---------------------------------------------------------------------------
# What subscribers hold: one coalescing inbox each
# ---------------------------------------------------------------------------


class Inbox:
    """One subscriber's pending notifications, coalesced into constant memory.

    ``latest`` is the highest position notified; ``resync`` says the bus may
    have missed notifications (it reconnected), so the subscriber must re-read
    whatever it has seen. However many notifications arrive while the
    subscriber is busy, it wakes up once.
    """

    __slots__ = ("_wakeup", "latest", "resync", "topic")

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.latest = 0
        self.resync = False
        self._wakeup = asyncio.Event()

    def notify(self, position: int) -> None:
        if position > self.latest:
            self.latest = position
        self._wakeup.set()

    def request_resync(self) -> None:
        self.resync = True
        self._wakeup.set()

    async def wait(self, within: float | None = None) -> bool:
        """Until something was notified since the last wait (True), or ``within`` seconds pass (False)."""
        try:
            await asyncio.wait_for(self._wakeup.wait(), within)
        except TimeoutError:
            return False
        self._wakeup.clear()
        return True

    def take_resync(self) -> bool:
        """Whether a re-read was asked for since the last call."""
        asked, self.resync = self.resync, False
        return asked


class EventHub(Protocol):
    """The part of the event bus that subscribers see (implemented in app/events.py)."""

    def subscribe(self, topic: str) -> Inbox: ...

    def unsubscribe(self, inbox: Inbox) -> None: ...


# ---------------------------------------------------------------------------
# Reading the change log
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MailboxEventRecord:
    modseq: int
    kind: str
    message_id: int | None
    folder_id: int | None
    #: The message as it is now; None when destroyed (or destroyed since).
    message: MessageRecord | None
    #: For FOLDER_UPDATED: the folder as it is now, with its counts.
    folder: FolderRecord | None


async def start_modseq(session: AsyncSession, owner_id: int, since_state: str | None) -> tuple[int, int]:
    """(modseq to read after, the owner's modseq now); BAD_USER_INPUT when ``since_state`` is unusable."""
    head = await current_modseq(session, owner_id)
    if since_state is None:
        return head, head
    since = parse_state(since_state)
    if since > head:
        raise BadUserInput("this state is from the future; resync", reason=CANNOT_CALCULATE)
    if since < head:
        oldest = (await session.execute(select(func.min(C.c.modseq)).where(C.c.owner_id == owner_id))).scalar()
        if oldest is None or oldest > since + 1:
            raise BadUserInput("this state is older than the kept change log; resync", reason=CANNOT_CALCULATE)
    return since, head


async def read_events(
    session: AsyncSession, owner_id: int, after: int, limit: int = READ_BATCH
) -> list[MailboxEventRecord]:
    """The owner's events after modseq ``after``, in modseq order, at most ``limit``."""
    rows = (
        await session.execute(
            select(C.c.modseq, C.c.kind, C.c.message_id, C.c.folder_id)
            .where(C.c.owner_id == owner_id, C.c.modseq > after)
            .order_by(C.c.modseq)
            .limit(limit)
        )
    ).all()
    if not rows:
        return []
    message_ids = sorted({r.message_id for r in rows if r.message_id is not None and r.kind != ChangeKind.DESTROYED})
    folder_ids = sorted({r.folder_id for r in rows if r.folder_id is not None and r.kind == ChangeKind.FOLDER_UPDATED})
    messages = await _by_id(session, M, message_ids, owner_id, MessageRecord)
    folders = await _by_id(session, F, folder_ids, owner_id, FolderRecord)
    return [
        MailboxEventRecord(
            modseq=int(r.modseq),
            kind=EVENT_KINDS.get(r.kind, "MESSAGE_UPDATED"),
            message_id=r.message_id,
            folder_id=r.folder_id,
            message=messages.get(r.message_id) if r.kind != ChangeKind.DESTROYED else None,
            folder=folders.get(r.folder_id) if r.kind == ChangeKind.FOLDER_UPDATED else None,
        )
        for r in rows
    ]


async def _by_id(
    session: AsyncSession, table: object, ids: Sequence[int], owner_id: int, record: type
) -> dict[int, Any]:
    if not ids:
        return {}
    t = table  # a Table; typed loosely to share this helper
    rows = (await session.execute(select(t).where(t.c.id.in_(ids), t.c.owner_id == owner_id))).mappings()  # type: ignore[attr-defined, call-overload]
    return {row["id"]: record.from_row(row) for row in rows}  # type: ignore[attr-defined]


def too_slow(last_modseq: int) -> RateLimited:
    """The error that ends a subscription that fell too far behind."""
    return RateLimited(
        f"this subscription fell more than {MAX_LAG} changes behind and was ended; "
        "subscribe again with sinceState set to lastState",
        reason=TOO_SLOW,
        lastState=state_string(last_modseq),
    )
