"""Creating mail threads and their followers."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Follower, MailThread, User
from db.types import utcnow
from resolvers.errors import BadUserInput, Conflict, not_found
from resolvers.records import MailThreadRecord
from resolvers.threads import check_key, new_key

T = MailThread.__table__  # type: ignore[attr-defined]
F = Follower.__table__  # type: ignore[attr-defined]


async def insert_thread(
    session: AsyncSession, creator_id: int, name: str, key: str | None = None, follower_ids: Iterable[int] = ()
) -> MailThreadRecord:
    """A new thread; the creator follows it with ``follower_ids``. CONFLICT on a taken key."""
    key = check_key(key) if key else new_key()
    name = name.strip()
    if len(name) > 1024:
        raise BadUserInput("a thread name has at most 1024 characters", argument="name")
    if (await session.execute(select(T.c.id).where(T.c.id == key))).first():
        raise Conflict(f"a mail thread with the id {key} exists already")
    now = utcnow()
    await session.execute(
        insert(T).values(
            id=key, name=name, name_key=name.casefold(), created_by=creator_id, created_at=now, updated_at=now
        )
    )
    await add_followers(session, key, [creator_id, *follower_ids])
    return MailThreadRecord(id=key, name=name, created_by=creator_id, created_at=now, updated_at=now)


async def add_followers(session: AsyncSession, thread_id: str, user_ids: Iterable[int]) -> list[int]:
    """Add users as followers (existing ones stay); returns the ids newly added."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    users = User.__table__  # type: ignore[attr-defined]
    known = {r[0] for r in await session.execute(select(users.c.id).where(users.c.id.in_(wanted)))}
    for uid in wanted:
        if uid not in known:
            raise not_found("User", uid)
    present = {
        r[0]
        for r in await session.execute(select(F.c.user_id).where(F.c.thread_id == thread_id, F.c.user_id.in_(wanted)))
    }
    new = [uid for uid in wanted if uid not in present]
    if new:
        now = utcnow()
        await session.execute(insert(F), [{"thread_id": thread_id, "user_id": uid, "since": now} for uid in new])
    return new
