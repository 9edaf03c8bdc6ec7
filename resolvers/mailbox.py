"""Reading folders and labels."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Folder, Label, table_of
from db.models.mailbox import SYSTEM_FOLDERS
from resolvers.records import FolderRecord, LabelRecord
from resolvers.viewer import Viewer

_ROLE_ORDER = {str(role): index for index, (role, _) in enumerate(SYSTEM_FOLDERS)}


async def list_folders(session: AsyncSession, viewer: Viewer) -> list[FolderRecord]:
    """The viewer's folders: system folders first, then by sortOrder and name."""
    t = table_of(Folder)
    role_rank = case(_ROLE_ORDER, value=t.c.role, else_=len(_ROLE_ORDER))
    rows = (
        await session.execute(
            select(t).where(t.c.owner_id == viewer.user_id).order_by(role_rank, t.c.sort_order, t.c.name, t.c.id)
        )
    ).mappings()
    return [FolderRecord.from_row(row) for row in rows]


async def folder_by_role(session: AsyncSession, owner_id: int, role: str) -> FolderRecord:
    t = table_of(Folder)
    row = (await session.execute(select(t).where(t.c.owner_id == owner_id, t.c.role == role))).mappings().one()
    return FolderRecord.from_row(row)


async def list_labels(session: AsyncSession, viewer: Viewer) -> list[LabelRecord]:
    """The viewer's labels, by name."""
    t = table_of(Label)
    rows = (
        await session.execute(select(t).where(t.c.owner_id == viewer.user_id).order_by(t.c.name, t.c.id))
    ).mappings()
    return [LabelRecord.from_row(row) for row in rows]
