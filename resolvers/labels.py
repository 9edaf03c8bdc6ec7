"""Creating labels."""

from __future__ import annotations

import re

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Label
from db.types import utcnow
from resolvers.errors import BadUserInput, Conflict
from resolvers.records import LabelRecord
from resolvers.viewer import Viewer

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
L = Label.__table__  # type: ignore[attr-defined]


async def create_label(session: AsyncSession, viewer: Viewer, name: str, color: str | None = None) -> LabelRecord:
    """A new label of the viewer's; CONFLICT when the name is taken (case-insensitively)."""
    name = name.strip()
    if not name or len(name) > 256:
        raise BadUserInput("a label name has 1 to 256 characters", argument="name")
    if color is not None and not _COLOR.match(color):
        raise BadUserInput("a color is #rgb or #rrggbb", argument="color")
    taken = (
        await session.execute(
            select(L.c.id).where(L.c.owner_id == viewer.user_id, func.lower(L.c.name) == name.lower())
        )
    ).first()
    if taken:
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
