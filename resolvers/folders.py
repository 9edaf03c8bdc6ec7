"""Creating, renaming and deleting the user's own folders.

Names are unique among siblings, case-insensitively (``str.casefold``, so
Cyrillic names compare the same on SQLite and PostgreSQL). Two writers that
name folders of one owner at once are serialized by a transaction-scoped
advisory lock on PostgreSQL (SQLite serializes writers already); deleteFolder
takes it too, so the tree it deletes cannot grow meanwhile. That lock is always
taken first, and bulk changes never take it, so it never joins a lock cycle.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChangeKind, Folder, Message, table_of
from db.types import utcnow
from resolvers.bulk import trash_of
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.counters import CounterDeltas
from resolvers.errors import BadUserInput, Conflict, Forbidden, not_found, parse_id
from resolvers.locking import lock_owners
from resolvers.records import FolderRecord
from resolvers.viewer import Viewer

F = table_of(Folder)
M = table_of(Message)
MAX_NAME = 256
#: First key of the advisory lock that guards an owner's folder names.
_NAMES_LOCK = 0x6D67


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise BadUserInput(f"a folder name has 1 to {MAX_NAME} characters", argument="name")
    return name


async def _lock_names(session: AsyncSession, owner_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k, :o)"), {"k": _NAMES_LOCK, "o": owner_id})


async def _get(session: AsyncSession, viewer: Viewer, folder_id: str | int, *, lock: bool = False) -> FolderRecord:
    fid = parse_id(folder_id, "Folder")
    stmt = select(F).where(F.c.id == fid, F.c.owner_id == viewer.user_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    if row is None:
        raise not_found("Folder", folder_id)
    return FolderRecord.from_row(row)


async def _check_free(
    session: AsyncSession, owner_id: int, parent_id: int | None, name: str, except_id: int | None = None
) -> None:
    parent = F.c.parent_id.is_(None) if parent_id is None else F.c.parent_id == parent_id
    rows = (await session.execute(select(F.c.id, F.c.name).where(F.c.owner_id == owner_id, parent))).all()
    key = name.casefold()
    if any(r.name.casefold() == key and r.id != except_id for r in rows):
        raise Conflict(f"there is a folder named {name} here already")


async def create_folder(
    session: AsyncSession, viewer: Viewer, name: str, parent_id: str | int | None = None
) -> FolderRecord:
    """A new folder, under ``parent_id`` when given; CONFLICT when a sibling has the name."""
    name = _clean_name(name)
    await _lock_names(session, viewer.user_id)
    parent = await _get(session, viewer, parent_id) if parent_id is not None else None
    await _check_free(session, viewer.user_id, parent.id if parent else None, name)
    parent_cond = F.c.parent_id.is_(None) if parent is None else F.c.parent_id == parent.id
    last = (
        await session.execute(select(func.max(F.c.sort_order)).where(F.c.owner_id == viewer.user_id, parent_cond))
    ).scalar()
    row = (
        (
            await session.execute(
                insert(F)
                .values(
                    owner_id=viewer.user_id,
                    name=name,
                    role=None,
                    parent_id=parent.id if parent else None,
                    sort_order=(last or 0) + 1,
                    total_count=0,
                    unread_count=0,
                    created_at=utcnow(),
                )
                .returning(F)
            )
        )
        .mappings()
        .one()
    )
    record = FolderRecord.from_row(row)
    await record_changes(session, viewer.user_id, [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=record.id)])
    return record


async def rename_folder(session: AsyncSession, viewer: Viewer, folder_id: str | int, name: str) -> FolderRecord:
    """FORBIDDEN for a system folder; CONFLICT when a sibling has the name."""
    name = _clean_name(name)
    await _lock_names(session, viewer.user_id)
    folder = await _get(session, viewer, folder_id)
    if folder.role is not None:
        raise Forbidden("system folders cannot be renamed")
    await _check_free(session, viewer.user_id, folder.parent_id, name, except_id=folder.id)
    row = (await session.execute(update(F).where(F.c.id == folder.id).values(name=name).returning(F))).mappings().one()
    await record_changes(session, viewer.user_id, [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=folder.id)])
    return FolderRecord.from_row(row)


async def _subtree(session: AsyncSession, owner_id: int, root: int) -> list[int]:
    rows = (await session.execute(select(F.c.id, F.c.parent_id).where(F.c.owner_id == owner_id))).all()
    children: dict[int, list[int]] = {}
    for r in rows:
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.id)
    out, todo = [], [root]
    while todo:
        fid = todo.pop()
        out.append(fid)
        todo.extend(children.get(fid, ()))
    return sorted(out)


async def delete_folder(session: AsyncSession, viewer: Viewer, folder_id: str | int) -> bool:
    """Delete a folder and its subfolders; their messages move to Trash. FORBIDDEN for a system folder."""
    await _lock_names(session, viewer.user_id)  # no subfolder appears under it meanwhile
    folder = await _get(session, viewer, folder_id)
    if folder.role is not None:
        raise Forbidden("system folders cannot be deleted")
    doomed = await _subtree(session, viewer.user_id, folder.id)
    trash = await trash_of(session, viewer.user_id)
    if trash in doomed:  # a system folder cannot sit below a user folder; be safe anyway
        raise Forbidden("the Trash folder cannot be deleted")

    await lock_owners(session, [viewer.user_id])
    in_doomed = (M.c.owner_id == viewer.user_id) & M.c.folder_id.in_(doomed)
    held = select(M.c.id, M.c.folder_id, M.c.was_read).where(in_doomed).order_by(M.c.id).with_for_update()
    # The owner, then messages (the one lock order of resolvers.locking), then the folders, which stops anything new
    # arriving in them; then lock again for whatever moved in meanwhile.
    await session.execute(held)
    await session.execute(select(F.c.id).where(F.c.id.in_(doomed)).order_by(F.c.id).with_for_update())
    before = {r.id: r for r in (await session.execute(held)).all()}
    result = await session.execute(
        update(M)
        .where(in_doomed)
        .values(folder_id=trash, is_deleted=True, updated_at=utcnow())
        .returning(M.c.id)
        .execution_options(synchronize_session=False)
    )
    moved = sorted(int(i) for i in result.scalars().all())
    deltas = CounterDeltas()
    for mid in moved:
        deltas.move_message(before[mid].folder_id, trash, unread=not before[mid].was_read)
    touched = await deltas.apply(session)
    await session.execute(delete(F).where(F.c.id.in_(doomed)))
    entries = [ChangeEntry(ChangeKind.UPDATED, mid, trash) for mid in moved]
    entries += [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=fid) for fid in sorted(set(touched) | set(doomed))]
    await record_changes(session, viewer.user_id, entries)
    return True
