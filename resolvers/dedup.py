"""De-duplication by Message-ID within a folder: the same mail imported or delivered twice is stored once.

An MTA that retries after a lost reply, or an mbox imported a second time, brings
messages the folder already holds. A message is the same when it has the same
Message-ID header and lands in the same folder of the same owner; a message without a
Message-ID is never taken for another. Other folders are not looked at: a copy the
user filed elsewhere is theirs to keep. The lookup is served by ix_messages_owner_msgid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Message, table_of

M = table_of(Message)
T = TypeVar("T")
#: Message-IDs asked for in one statement (well under every driver's parameter limit).
CHUNK = 500


async def held_message_ids(
    session: AsyncSession, owner_id: int, folder_id: int, message_ids: Iterable[str | None]
) -> dict[str, int]:
    """Which of ``message_ids`` the folder already holds: Message-ID -> the stored message's id."""
    wanted = sorted({m for m in message_ids if m})
    held: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await session.execute(
            select(M.c.message_id_header, M.c.id).where(
                M.c.owner_id == owner_id,
                M.c.message_id_header.in_(wanted[start : start + CHUNK]),
                M.c.folder_id == folder_id,
            )
        )
        for message_id, ident in rows:
            held.setdefault(message_id, int(ident))
    return held


async def new_to_folder(
    session: AsyncSession, owner_id: int, folder_id: int, items: list[T], message_id: Callable[[T], str | None]
) -> tuple[list[T], list[T]]:
    """``items`` split into those to store and the duplicates (held by the folder, or earlier in ``items``)."""
    held = await held_message_ids(session, owner_id, folder_id, (message_id(i) for i in items))
    seen: set[str] = set(held)
    fresh: list[T] = []
    duplicates: list[T] = []
    for item in items:
        key = message_id(item)
        if key and key in seen:
            duplicates.append(item)
            continue
        if key:
            seen.add(key)
        fresh.append(item)
    return fresh, duplicates
