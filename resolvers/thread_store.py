"""Writing mail threads: create, update, save, delete, and their followers.

Who may change a thread is who may see it (its followers and whoever has
messages in it); anyone else gets NOT_FOUND, as for a missing thread. Every
change bumps ``updated_at``. updateMailThread tracks like Odoo's write():
changes to the tracked fields (name, followers) are posted to the thread as
a tracking NOTIFICATION (prepare and finalize in one go), unless the caller
ran trackPrepare on the thread: then trackFinalize posts them, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, ChangeKind, Follower, MailThread, Message, TrackingSnapshot, table_of
from db.types import utcnow
from resolvers.blobs import free_unreferenced
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.errors import BadUserInput, Conflict, NotFound, parse_ids
from resolvers.posting import hand_over, touch
from resolvers.records import MailThreadRecord
from resolvers.threads import check_key, check_users, get_thread, key_exists, new_key
from resolvers.tracking import current_values, diff, post_tracking
from resolvers.viewer import Viewer

T = table_of(MailThread)
F = table_of(Follower)
A = table_of(Attachment)
M = table_of(Message)
S = table_of(TrackingSnapshot)

MAX_NAME = 1024


@dataclass(slots=True)
class ThreadInput:
    """MailThreadInput; None means 'not given'."""

    key: str | None = None
    name: str | None = None
    follower_ids: list[str] | None = None
    attachment_ids: list[str] | None = None


def check_name(name: str | None) -> str:
    """A thread name: 1..1024 characters once stripped."""
    text = (name or "").strip()
    if not text or len(text) > MAX_NAME:
        raise BadUserInput(f"a mail thread name has 1 to {MAX_NAME} characters", argument="name")
    return text


async def insert_thread(
    session: AsyncSession, creator_id: int, name: str, key: str | None = None, follower_ids: Iterable[int] = ()
) -> MailThreadRecord:
    """A new thread; the creator follows it with ``follower_ids``. CONFLICT on a taken key."""
    key = check_key(key) if key else new_key()
    name = name.strip()
    if len(name) > MAX_NAME:
        raise BadUserInput(f"a thread name has at most {MAX_NAME} characters", argument="name")
    if await key_exists(session, key):
        raise Conflict(f"a mail thread with the id {key} exists already")
    now = utcnow()
    await session.execute(
        insert(T).values(
            id=key, name=name, name_key=name.casefold(), created_by=creator_id, created_at=now, updated_at=now
        )
    )
    await add_followers(session, key, [creator_id, *follower_ids])
    return MailThreadRecord(
        id=key, name=name, created_by=creator_id, created_at=now, updated_at=now, name_key=name.casefold()
    )


async def insert_threads(session: AsyncSession, creator_id: int, threads: list[tuple[str, str]]) -> None:
    """Threads that mail arrival makes, as (fresh key, name), in two statements; the creator follows each.

    Keys come from ``new_key`` (random UUIDs), so unlike ``insert_thread`` no taken key is looked for.
    """
    if not threads:
        return
    now = utcnow()
    rows = []
    for key, name in threads:
        name = name.strip()[:MAX_NAME]
        rows.append(
            {
                "id": key,
                "name": name,
                "name_key": name.casefold(),
                "created_by": creator_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    await session.execute(insert(T), rows)
    await session.execute(insert(F), [{"thread_id": key, "user_id": creator_id, "since": now} for key, _ in threads])


async def add_followers(session: AsyncSession, thread_id: str, user_ids: Iterable[int]) -> list[int]:
    """Add users as followers (existing ones stay); returns the ids newly added. NOT_FOUND for an unknown user."""
    wanted = await check_users(session, user_ids)
    if not wanted:
        return []
    present = {
        r[0]
        for r in await session.execute(select(F.c.user_id).where(F.c.thread_id == thread_id, F.c.user_id.in_(wanted)))
    }
    new = [uid for uid in wanted if uid not in present]
    if new:
        now = utcnow()
        await session.execute(insert(F), [{"thread_id": thread_id, "user_id": uid, "since": now} for uid in new])
    return new


async def remove_followers(session: AsyncSession, thread_id: str, user_ids: Iterable[int]) -> int:
    """Remove users from the followers; returns how many were following. NOT_FOUND for an unknown user."""
    wanted = await check_users(session, user_ids)
    if not wanted:
        return 0
    result = await session.execute(delete(F).where(F.c.thread_id == thread_id, F.c.user_id.in_(wanted)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def set_followers(session: AsyncSession, thread_id: str, user_ids: Iterable[int]) -> bool:
    """Replace the followers with ``user_ids``; whether anything changed."""
    wanted = await check_users(session, user_ids)
    result = await session.execute(delete(F).where(F.c.thread_id == thread_id, F.c.user_id.not_in(wanted)))
    added = await add_followers(session, thread_id, wanted)
    return bool(added) or bool(result.rowcount)  # type: ignore[attr-defined]


async def reload(session: AsyncSession, thread_id: str) -> MailThreadRecord:
    row = (await session.execute(select(T).where(T.c.id == thread_id))).mappings().one()
    return MailThreadRecord.from_row(row)


async def create_thread(session: AsyncSession, viewer: Viewer, data: ThreadInput) -> MailThreadRecord:
    """createMailThread: the creator follows, with ``follower_ids``; staged uploads are handed over."""
    name = check_name(data.name)
    followers = parse_ids(data.follower_ids or [], "User")
    thread = await insert_thread(session, viewer.user_id, name, data.key, followers)
    if data.attachment_ids:
        await hand_over(session, viewer, thread.id, data.attachment_ids)
    return thread


async def update_thread(
    session: AsyncSession, viewer: Viewer, thread_id: str, data: ThreadInput, *, domain: str
) -> MailThreadRecord:
    """updateMailThread: the given fields change; tracked changes are posted to the thread."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    if data.key is not None and str(data.key) != thread.id:
        raise BadUserInput("a mail thread's id cannot change; input.id must be the thread's id", argument="input")
    name = check_name(data.name) if data.name is not None else None
    followers = parse_ids(data.follower_ids, "User") if data.follower_ids is not None else None
    before = await current_values(session, thread.id)
    changed = False
    if name is not None and name != thread.name:
        await session.execute(update(T).where(T.c.id == thread.id).values(name=name, name_key=name.casefold()))
        thread.name = name
        changed = True
    if followers is not None:
        changed = await set_followers(session, thread.id, followers) or changed
    if data.attachment_ids:
        changed = bool(await hand_over(session, viewer, thread.id, data.attachment_ids)) or changed
    changes = diff(before, await current_values(session, thread.id))
    if changes and not await _prepared(session, viewer, thread.id):
        await post_tracking(session, viewer, thread, changes, domain=domain)
    elif changed:
        await touch(session, thread.id)
    return await reload(session, thread.id)


async def _prepared(session: AsyncSession, viewer: Viewer, thread_id: str) -> bool:
    """Whether the viewer ran trackPrepare on the thread: then trackFinalize posts the
    changes (once, for everything since the prepare), as Odoo defers tracking to the flush."""
    statement = select(S.c.thread_id).where(S.c.thread_id == thread_id, S.c.user_id == viewer.user_id)
    return (await session.execute(statement)).first() is not None


async def save_thread(session: AsyncSession, viewer: Viewer, data: ThreadInput, *, domain: str) -> MailThreadRecord:
    """saveMailThread: create when input.id is absent or new, else update the caller's thread.

    A key that exists but that the caller may not see is taken: CONFLICT, as
    createMailThread answers for it (NOT_FOUND would claim it is free)."""
    if data.key is None:
        return await create_thread(session, viewer, data)
    key = check_key(data.key)
    if not await key_exists(session, key):
        return await create_thread(session, viewer, data)
    visible = await _visible(session, viewer, key)
    if not visible:
        raise Conflict(f"a mail thread with the id {key} exists already")
    return await update_thread(session, viewer, key, data, domain=domain)


async def _visible(session: AsyncSession, viewer: Viewer, key: str) -> bool:
    try:
        await get_thread(session, viewer, key)
    except NotFound:
        return False
    return True


async def follow(session: AsyncSession, viewer: Viewer, thread_id: str, user_ids: list[str] | None) -> MailThreadRecord:
    """followMailThread: ``user_ids`` (the caller when None) follow the thread."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    wanted = parse_ids(user_ids, "User") if user_ids is not None else [viewer.user_id]
    if await add_followers(session, thread.id, wanted):
        await touch(session, thread.id)
    return await reload(session, thread.id)


async def unfollow(
    session: AsyncSession, viewer: Viewer, thread_id: str, user_ids: list[str] | None
) -> MailThreadRecord:
    """unfollowMailThread: ``user_ids`` (the caller when None) stop following the thread."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    wanted = parse_ids(user_ids, "User") if user_ids is not None else [viewer.user_id]
    if await remove_followers(session, thread.id, wanted):
        await touch(session, thread.id)
    return await reload(session, thread.id)


async def delete_thread(session: AsyncSession, viewer: Viewer, thread_id: str) -> bool:
    """deleteMailThread: the thread, its followers and snapshots go; its messages stay in
    their mailboxes without a thread (logged as updated for each owner); thread attachments
    that no message uses go, with blobs nothing else uses."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    moved = (
        await session.execute(
            update(M)
            .where(M.c.thread_id == thread.id)
            .values(thread_id=None, updated_at=utcnow())
            .returning(M.c.id, M.c.owner_id, M.c.folder_id)
        )
    ).all()
    per_owner: dict[int, list[ChangeEntry]] = {}
    for mid, owner, folder in sorted(moved):
        per_owner.setdefault(owner, []).append(ChangeEntry(ChangeKind.UPDATED, mid, folder))
    for owner in sorted(per_owner):
        await record_changes(session, owner, per_owner[owner])
    digests = [
        r[0]
        for r in await session.execute(
            delete(A).where(A.c.mail_thread_id == thread.id, A.c.message_id.is_(None)).returning(A.c.blob_sha256)
        )
    ]
    await session.execute(update(A).where(A.c.mail_thread_id == thread.id).values(mail_thread_id=None))
    await free_unreferenced(session, digests)
    await session.execute(delete(S).where(S.c.thread_id == thread.id))
    await session.execute(delete(F).where(F.c.thread_id == thread.id))
    await session.execute(delete(T).where(T.c.id == thread.id))
    return True
