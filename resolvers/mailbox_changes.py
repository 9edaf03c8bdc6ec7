"""Sync like JMAP's Email/changes: what changed in a mailbox since a state.

The state string is the owner's modseq. Entries of the change log after it
are folded per message: created then updated is created; anything then
destroyed is destroyed; created and destroyed within the window is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Change, ChangeKind, Conversation, Message, table_of
from db.types import utcnow
from resolvers.changelog import current_modseq, state_string
from resolvers.errors import BadUserInput, decimal
from resolvers.records import MessageRecord
from resolvers.viewer import Viewer

C = table_of(Change)
M = table_of(Message)
MAX_CHANGES_LIMIT = 5000
CANNOT_CALCULATE = "cannotCalculateChanges"


@dataclass(slots=True)
class MessageChangeSet:
    old_state: str
    new_state: str
    has_more_changes: bool
    created: list[MessageRecord] = field(default_factory=list)
    updated: list[MessageRecord] = field(default_factory=list)
    destroyed: list[int] = field(default_factory=list)
    #: Conversations whose messages changed (they still exist) and those left without messages.
    conversations_changed: list[int] = field(default_factory=list)
    conversations_destroyed: list[int] = field(default_factory=list)


def parse_state(value: str) -> int:
    """The modseq of a state string; anything else cannot be calculated from."""
    modseq = decimal(value, 2**63 - 1)  # a BIGINT
    if modseq is None:
        raise BadUserInput("this state string is not one mailgate gave out", reason=CANNOT_CALCULATE)
    return modseq


async def message_changes(
    session: AsyncSession, viewer: Viewer, since_state: str, max_changes: int | None = 500
) -> MessageChangeSet:
    """Changes to the viewer's messages after ``since_state``, at most ``max_changes`` ids."""
    limit = 500 if max_changes is None else max_changes
    if not 1 <= limit <= MAX_CHANGES_LIMIT:
        raise BadUserInput(f"maxChanges must be between 1 and {MAX_CHANGES_LIMIT}", argument="maxChanges")
    since = parse_state(since_state)
    current = await current_modseq(session, viewer.user_id)
    if since > current:
        raise BadUserInput("this state is from the future; resync", reason=CANNOT_CALCULATE)
    if since == current:
        return MessageChangeSet(since_state, state_string(current), False)
    oldest = (await session.execute(select(func.min(C.c.modseq)).where(C.c.owner_id == viewer.user_id))).scalar()
    if oldest is None or oldest > since + 1:
        raise BadUserInput("this state is older than the kept change log; resync", reason=CANNOT_CALCULATE)

    rows = (
        await session.execute(
            select(C.c.modseq, C.c.kind, C.c.message_id, C.c.conversation_id)
            .where(C.c.owner_id == viewer.user_id, C.c.modseq > since, C.c.message_id.is_not(None))
            .order_by(C.c.modseq)
        )
    ).all()
    first_kind: dict[int, str] = {}
    last_kind: dict[int, str] = {}
    new_state, has_more = current, False
    conversations: set[int] = set()
    for i, (_modseq, kind, message_id, conversation_id) in enumerate(rows):
        if message_id not in first_kind and len(first_kind) >= limit:
            # Cut between modseqs so that the next call starts where this one ended.
            new_state, has_more = rows[i - 1][0], True
            break
        first_kind.setdefault(message_id, kind)
        last_kind[message_id] = kind
        if conversation_id is not None:
            conversations.add(conversation_id)
    created_ids, updated_ids, destroyed = [], [], []
    for message_id, first in first_kind.items():
        last = last_kind[message_id]
        if last == ChangeKind.DESTROYED:
            if first != ChangeKind.CREATED:
                destroyed.append(message_id)
        elif first == ChangeKind.CREATED:
            created_ids.append(message_id)
        else:
            updated_ids.append(message_id)
    records: dict[int, MessageRecord] = {}
    wanted = created_ids + updated_ids
    if wanted:
        for row in (
            await session.execute(select(M).where(M.c.id.in_(wanted), M.c.owner_id == viewer.user_id))
        ).mappings():
            records[row["id"]] = MessageRecord.from_row(row)
    # A message whose row is gone was destroyed by a change after the cut.
    result = MessageChangeSet(since_state, state_string(new_state), has_more)
    for ids, bucket in ((created_ids, result.created), (updated_ids, result.updated)):
        for message_id in ids:
            if message_id in records:
                bucket.append(records[message_id])
            elif message_id not in destroyed:
                destroyed.append(message_id)
    result.destroyed = destroyed
    result.conversations_changed, result.conversations_destroyed = await _conversations(session, viewer, conversations)
    return result


async def _conversations(session: AsyncSession, viewer: Viewer, ids: set[int]) -> tuple[list[int], list[int]]:
    """(still there, gone) of the conversations named by the read changes."""
    if not ids:
        return [], []
    table = table_of(Conversation)
    alive = set(
        (
            await session.execute(
                select(table.c.id).where(table.c.id.in_(sorted(ids)), table.c.owner_id == viewer.user_id)
            )
        )
        .scalars()
        .all()
    )
    return sorted(alive), sorted(ids - alive)


async def prune_change_log(session: AsyncSession, keep_days: int) -> int:
    """Forget changes older than ``keep_days``; clients older than that must resync.

    The newest entry of each owner is kept so that the log always shows how far
    back it reaches.
    """
    cutoff = utcnow() - timedelta(days=keep_days)
    newest = select(C.c.owner_id, func.max(C.c.modseq).label("top")).group_by(C.c.owner_id).subquery()
    result = await session.execute(
        delete(C).where(
            C.c.at < cutoff,
            C.c.modseq < select(newest.c.top).where(newest.c.owner_id == C.c.owner_id).scalar_subquery(),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
