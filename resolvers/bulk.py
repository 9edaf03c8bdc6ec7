"""Bulk changes to messages: read, important, move, delete, labels.

Every operation is all-or-nothing: the ids are checked (each must be the
viewer's, and in ``folder_id`` when given) before anything changes, and any
failure rolls the whole unit of work back.

Counters stay exact under concurrency: the message rows are locked first, in
id order (``SELECT ... ORDER BY id FOR UPDATE`` on PostgreSQL; SQLite writers
are serialized by ``BEGIN IMMEDIATE``), then the change is an
``UPDATE ... WHERE <state differs> RETURNING id`` whose returned rows are
exactly the messages that changed, and the counter deltas come from those
rows' previous state. Locks are always taken in the order messages, folders,
labels, users, so overlapping bulk operations never deadlock.

``count`` is the number of messages that changed (a read message marked
read does not count); ``ids`` are the ids asked for, de-duplicated, in their
given order; ``records`` are the surviving messages in their new state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, ChangeKind, Folder, Label, Message, MessageBody, MessageLabel, OutboxEntry, table_of
from db.models.mailbox import FolderRole
from db.types import utcnow
from resolvers.blobs import free_unreferenced
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.counters import CounterDeltas
from resolvers.errors import BadUserInput, not_found, parse_id, parse_ids
from resolvers.records import FolderRecord, MessageRecord
from resolvers.search import unindex_messages
from resolvers.viewer import Viewer

#: The most ids one bulk call may name.
MAX_IDS = 1000

M = table_of(Message)
F = table_of(Folder)
L = table_of(Label)
ML = table_of(MessageLabel)
A = table_of(Attachment)


@dataclass(slots=True)
class Locked:
    """The state of a locked message before the change."""

    id: int
    folder_id: int
    was_read: bool
    important: bool
    raw_sha256: str | None
    labels: set[int] = field(default_factory=set)


@dataclass(slots=True)
class BulkOutcome:
    ids: list[int]
    changed: list[int]
    destroyed: list[int]
    records: list[MessageRecord]

    @property
    def count(self) -> int:
        return len(self.changed) + len(self.destroyed)


def check_ids(ids: Sequence[str | int]) -> list[int]:
    """Message ids, de-duplicated; none or too many is BAD_USER_INPUT, a malformed one NOT_FOUND."""
    if not ids:
        raise BadUserInput("name at least one message", argument="ids")
    parsed = parse_ids(list(ids), "Message")  # type: ignore[arg-type]
    if len(parsed) > MAX_IDS:
        raise BadUserInput(f"name at most {MAX_IDS} messages at once", argument="ids")
    return parsed


async def owned_folder(session: AsyncSession, viewer: Viewer, folder_id: str | int) -> FolderRecord:
    """The viewer's folder, share-locked against deletion until commit; else NOT_FOUND."""
    fid = parse_id(folder_id, "Folder")
    row = (
        (
            await session.execute(
                select(F)
                .where(F.c.id == fid, F.c.owner_id == viewer.user_id)
                .with_for_update(read=True, key_share=True)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("Folder", folder_id)
    return FolderRecord.from_row(row)


async def trash_of(session: AsyncSession, owner_id: int) -> int:
    row = (await session.execute(select(F.c.id).where(F.c.owner_id == owner_id, F.c.role == FolderRole.TRASH))).first()
    if row is None:  # every user has one; a broken mailbox is not the client's fault
        raise RuntimeError(f"user {owner_id} has no Trash folder")
    return int(row[0])


async def lock_messages(
    session: AsyncSession, viewer: Viewer, ids: list[int], folder_id: str | int | None = None
) -> dict[int, Locked]:
    """Lock the viewer's messages ``ids`` in id order; NOT_FOUND unless every one is there
    (and in ``folder_id`` when given)."""
    rows = (
        await session.execute(
            select(M.c.id, M.c.folder_id, M.c.was_read, M.c.important, M.c.raw_sha256)
            .where(M.c.owner_id == viewer.user_id, M.c.id.in_(ids))
            .order_by(M.c.id)
            .with_for_update()
        )
    ).all()
    locked = {r.id: Locked(r.id, r.folder_id, r.was_read, r.important, r.raw_sha256) for r in rows}
    if folder_id is not None:  # after the messages: the lock order is messages, folders
        folder = await owned_folder(session, viewer, folder_id)
    for mid in ids:
        if mid not in locked or (folder_id is not None and locked[mid].folder_id != folder.id):
            raise not_found("Message", mid)
    for mid, lid in (
        await session.execute(select(ML.c.message_id, ML.c.label_id).where(ML.c.message_id.in_(ids)))
    ).all():
        locked[mid].labels.add(lid)
    return locked


async def _records(session: AsyncSession, ids: list[int]) -> list[MessageRecord]:
    if not ids:
        return []
    rows = (await session.execute(select(M).where(M.c.id.in_(ids)))).mappings().all()
    by_id = {r["id"]: MessageRecord.from_row(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


async def finish(
    session: AsyncSession,
    viewer: Viewer,
    ids: list[int],
    deltas: CounterDeltas,
    changed: dict[int, int],
    destroyed: dict[int, int] | None = None,
    extra_folders: Iterable[int] = (),
) -> BulkOutcome:
    """Apply counters and log the changes; ``changed`` and ``destroyed`` map message id -> folder id."""
    destroyed = destroyed or {}
    folders = await deltas.apply(session)
    entries = [ChangeEntry(ChangeKind.UPDATED, mid, fid) for mid, fid in sorted(changed.items())]
    entries += [ChangeEntry(ChangeKind.DESTROYED, mid, fid) for mid, fid in sorted(destroyed.items())]
    touched = sorted(set(folders) | set(extra_folders))
    entries += [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=fid) for fid in touched]
    await record_changes(session, viewer.user_id, entries)
    survivors = [i for i in ids if i not in destroyed]
    return BulkOutcome(ids, sorted(changed), sorted(destroyed), await _records(session, survivors))


async def _set_flag(
    session: AsyncSession, ids: list[int], column: str, value: bool, extra: dict[str, object] | None = None
) -> list[int]:
    """``UPDATE messages SET column = value WHERE id IN ids AND column <> value RETURNING id``."""
    col = M.c[column]
    result = await session.execute(
        update(M)
        .where(M.c.id.in_(ids), col != value)
        .values({column: value, "updated_at": utcnow(), **(extra or {})})
        .returning(M.c.id)
    )
    return sorted(int(i) for i in result.scalars().all())


async def mark_read(
    session: AsyncSession, viewer: Viewer, ids: Sequence[str | int], was_read: bool = True, folder_id: str | None = None
) -> BulkOutcome:
    wanted = check_ids(ids)
    locked = await lock_messages(session, viewer, wanted, folder_id)
    changed = await _set_flag(session, wanted, "was_read", was_read)
    deltas = CounterDeltas()
    for mid in changed:
        row = locked[mid]
        deltas.add_unread(row.folder_id, sorted(row.labels), -1 if was_read else 1)
    return await finish(session, viewer, wanted, deltas, {mid: locked[mid].folder_id for mid in changed})


async def mark_important(
    session: AsyncSession,
    viewer: Viewer,
    ids: Sequence[str | int],
    important: bool = True,
    folder_id: str | None = None,
) -> BulkOutcome:
    wanted = check_ids(ids)
    locked = await lock_messages(session, viewer, wanted, folder_id)
    changed = await _set_flag(session, wanted, "important", important)
    return await finish(session, viewer, wanted, CounterDeltas(), {mid: locked[mid].folder_id for mid in changed})


async def move_locked(
    session: AsyncSession, locked: dict[int, Locked], ids: list[int], to_folder: int, trash: int, deltas: CounterDeltas
) -> dict[int, int]:
    """Move locked messages to ``to_folder``; returns the moved ids -> their new folder.

    ``is_deleted`` tells whether a message is in Trash.
    """
    if not ids:
        return {}
    result = await session.execute(
        update(M)
        .where(M.c.id.in_(ids), M.c.folder_id != to_folder)
        .values(folder_id=to_folder, is_deleted=to_folder == trash, updated_at=utcnow())
        .returning(M.c.id)
    )
    moved = sorted(int(i) for i in result.scalars().all())
    for mid in moved:
        row = locked[mid]
        deltas.move_message(row.folder_id, to_folder, unread=not row.was_read)
    return dict.fromkeys(moved, to_folder)


async def move_messages(
    session: AsyncSession,
    viewer: Viewer,
    ids: Sequence[str | int],
    to_folder_id: str | int,
    from_folder_id: str | None = None,
) -> BulkOutcome:
    wanted = check_ids(ids)
    locked = await lock_messages(session, viewer, wanted, from_folder_id)
    target = await owned_folder(session, viewer, to_folder_id)
    trash = await trash_of(session, viewer.user_id)
    deltas = CounterDeltas()
    moved = await move_locked(session, locked, wanted, target.id, trash, deltas)
    return await finish(session, viewer, wanted, deltas, moved)


async def destroy_locked(
    session: AsyncSession, locked: dict[int, Locked], ids: list[int], deltas: CounterDeltas
) -> dict[int, int]:
    """Remove messages with their bodies, labels links, index rows and attachments, and
    free the blobs nothing refers to any more; returns the destroyed ids -> their folder."""
    if not ids:
        return {}
    digests = set((await session.execute(select(A.c.blob_sha256).where(A.c.message_id.in_(ids)))).scalars().all())
    digests |= {locked[mid].raw_sha256 for mid in ids if locked[mid].raw_sha256}
    await session.execute(delete(ML).where(ML.c.message_id.in_(ids)))
    await session.execute(delete(A).where(A.c.message_id.in_(ids)))
    await session.execute(delete(table_of(MessageBody)).where(table_of(MessageBody).c.message_id.in_(ids)))
    await session.execute(delete(table_of(OutboxEntry)).where(table_of(OutboxEntry).c.message_id.in_(ids)))
    await unindex_messages(session, ids)
    gone = (await session.execute(delete(M).where(M.c.id.in_(ids)).returning(M.c.id))).scalars().all()
    out: dict[int, int] = {}
    for mid in sorted(int(i) for i in gone):
        row = locked[mid]
        deltas.add_message(row.folder_id, sorted(row.labels), unread=not row.was_read, sign=-1)
        out[mid] = row.folder_id
    await free_unreferenced(session, digests)
    return out


async def delete_messages(
    session: AsyncSession,
    viewer: Viewer,
    ids: Sequence[str | int],
    folder_id: str | None = None,
    permanent: bool = False,
) -> BulkOutcome:
    """Move to Trash; destroy what is in Trash already, or everything when ``permanent``."""
    wanted = check_ids(ids)
    locked = await lock_messages(session, viewer, wanted, folder_id)
    trash = await trash_of(session, viewer.user_id)
    doomed = [mid for mid in wanted if permanent or locked[mid].folder_id == trash]
    to_trash = [mid for mid in wanted if mid not in set(doomed)]
    deltas = CounterDeltas()
    moved = await move_locked(session, locked, to_trash, trash, trash, deltas)
    destroyed = await destroy_locked(session, locked, sorted(doomed), deltas)
    return await finish(session, viewer, wanted, deltas, moved, destroyed)


async def owned_labels(session: AsyncSession, viewer: Viewer, label_ids: list[int]) -> None:
    """NOT_FOUND unless every label is the viewer's; share-locks them against deletion."""
    if not label_ids:
        return
    found = set(
        (
            await session.execute(
                select(L.c.id)
                .where(L.c.owner_id == viewer.user_id, L.c.id.in_(label_ids))
                .order_by(L.c.id)
                .with_for_update(read=True, key_share=True)
            )
        )
        .scalars()
        .all()
    )
    for lid in label_ids:
        if lid not in found:
            raise not_found("Label", lid)


async def set_labels(
    session: AsyncSession,
    viewer: Viewer,
    ids: Sequence[str | int],
    add: Sequence[str | int] = (),
    remove: Sequence[str | int] = (),
) -> BulkOutcome:
    wanted = check_ids(ids)
    adding = parse_ids(list(add), "Label")  # type: ignore[arg-type]
    removing = parse_ids(list(remove), "Label")  # type: ignore[arg-type]
    if set(adding) & set(removing):
        raise BadUserInput("a label cannot be both added and removed", argument="add")
    locked = await lock_messages(session, viewer, wanted)
    await owned_labels(session, viewer, sorted(set(adding) | set(removing)))
    deltas = CounterDeltas()
    changed: set[int] = set()
    if removing:
        gone = (
            await session.execute(
                delete(ML)
                .where(ML.c.message_id.in_(wanted), ML.c.label_id.in_(removing))
                .returning(ML.c.message_id, ML.c.label_id)
            )
        ).all()
        for mid, lid in gone:
            deltas.add_label(lid, unread=not locked[mid].was_read, sign=-1)
            changed.add(mid)
    pairs = [(mid, lid) for mid in wanted for lid in adding if lid not in locked[mid].labels]
    if pairs:
        await session.execute(insert(ML), [{"message_id": mid, "label_id": lid} for mid, lid in pairs])
        for mid, lid in pairs:
            deltas.add_label(lid, unread=not locked[mid].was_read)
            changed.add(mid)
    if changed:
        await session.execute(update(M).where(M.c.id.in_(sorted(changed))).values(updated_at=utcnow()))
    return await finish(session, viewer, wanted, deltas, {mid: locked[mid].folder_id for mid in changed})
