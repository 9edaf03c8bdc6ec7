"""The change log: every change to an owner's messages gets the next modseq.

Taking modseqs with ``UPDATE users SET modseq = modseq + n`` locks the owner's
row until commit, so one owner's changes commit in modseq order: a reader of
the log that has seen modseq m never later finds a smaller one appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Change, ChangeKind, User, table_of
from db.types import utcnow
from resolvers.conversation_summary import refresh_for_changes
from resolvers.locking import lock_owners

#: Key in ``session.info``: owner id -> last modseq written in this unit of work,
#: for whoever publishes events after commit.
CHANGED_OWNERS = "mailgate.changed_owners"


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    kind: ChangeKind
    message_id: int | None = None
    folder_id: int | None = None


def state_string(modseq: int) -> str:
    """The opaque state string clients see for a modseq."""
    return str(modseq)


async def record_changes(session: AsyncSession, owner_id: int, entries: Sequence[ChangeEntry]) -> int:
    """Append ``entries`` to the owner's log; returns the owner's new modseq."""
    users = table_of(User)
    if not entries:
        return int((await session.execute(select(users.c.modseq).where(users.c.id == owner_id))).scalar_one())
    await lock_owners(session, [owner_id])  # a no-op when the unit took it first, as it should
    last = (
        await session.execute(
            update(users)
            .where(users.c.id == owner_id)
            .values(modseq=users.c.modseq + len(entries))
            .returning(users.c.modseq)
        )
    ).scalar_one()
    first = last - len(entries) + 1
    # After the owner's row is locked: the conversations these messages are in.
    conversation_of = await refresh_for_changes(session, (e.message_id for e in entries if e.message_id is not None))
    now = utcnow()
    await session.execute(
        insert(table_of(Change)),
        [
            {
                "owner_id": owner_id,
                "modseq": first + i,
                "kind": str(entry.kind),
                "message_id": entry.message_id,
                "folder_id": entry.folder_id,
                "conversation_id": conversation_of.get(entry.message_id) if entry.message_id is not None else None,
                "at": now,
            }
            for i, entry in enumerate(entries)
        ],
    )
    session.info.setdefault(CHANGED_OWNERS, {})[owner_id] = last
    return int(last)


async def current_modseq(session: AsyncSession, owner_id: int) -> int:
    users = table_of(User)
    return int((await session.execute(select(users.c.modseq).where(users.c.id == owner_id))).scalar_one())
