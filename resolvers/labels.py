"""Creating and deleting labels."""

from __future__ import annotations

import re

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChangeKind, Label, Message, MessageLabel, table_of
from db.types import utcnow
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.errors import BadUserInput, Conflict, not_found, parse_id
from resolvers.locking import lock_owners
from resolvers.records import LabelRecord
from resolvers.viewer import Viewer

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
L = table_of(Label)
M = table_of(Message)
ML = table_of(MessageLabel)


async def create_label(session: AsyncSession, viewer: Viewer, name: str, color: str | None = None) -> LabelRecord:
    """A new label of the viewer's; CONFLICT when the name is taken (case-insensitively)."""
    name = name.strip()
    if not name or len(name) > 256:
        raise BadUserInput("a label name has 1 to 256 characters", argument="name")
    if color is not None and not _COLOR.match(color):
        raise BadUserInput("a color is #rgb or #rrggbb", argument="color")
    names = (await session.execute(select(L.c.name).where(L.c.owner_id == viewer.user_id))).scalars().all()
    if any(n.casefold() == name.casefold() for n in names):  # casefold: SQLite's lower() is ASCII only
        raise Conflict(f"there is a label named {name} already")
    row = (
        (
            await session.execute(
                insert(L)
                .values(
                    owner_id=viewer.user_id,
                    name=name,
                    color=color,
                    message_count=0,
                    unread_count=0,
                    created_at=utcnow(),
                )
                .returning(L)
            )
        )
        .mappings()
        .one()
    )
    return LabelRecord.from_row(row)


async def delete_label(session: AsyncSession, viewer: Viewer, label_id: str | int) -> bool:
    """Delete one of the viewer's labels; the messages that carried it lose it (and are logged as updated)."""
    lid = parse_id(label_id, "Label")
    if (await session.execute(select(L.c.id).where(L.c.id == lid, L.c.owner_id == viewer.user_id))).first() is None:
        raise not_found("Label", label_id)
    carriers = select(ML.c.message_id).where(ML.c.label_id == lid)
    # The one lock order (resolvers.locking): the owner, messages by id, then the label.
    await lock_owners(session, [viewer.user_id])
    await session.execute(
        select(M.c.id).where(M.c.owner_id == viewer.user_id, M.c.id.in_(carriers)).order_by(M.c.id).with_for_update()
    )
    if (await session.execute(select(L.c.id).where(L.c.id == lid).with_for_update())).first() is None:
        raise not_found("Label", label_id)
    rows = (await session.execute(select(M.c.id, M.c.folder_id).where(M.c.id.in_(carriers)).order_by(M.c.id))).all()
    if rows:  # by subquery, not an id list: a label may be on more messages than a statement takes parameters
        await session.execute(update(M).where(M.c.id.in_(carriers)).values(updated_at=utcnow()))
    await session.execute(delete(ML).where(ML.c.label_id == lid))
    await session.execute(delete(L).where(L.c.id == lid))
    if rows:
        await record_changes(
            session, viewer.user_id, [ChangeEntry(ChangeKind.UPDATED, r.id, r.folder_id) for r in rows]
        )
    return True
