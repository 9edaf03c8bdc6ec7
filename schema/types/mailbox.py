"""Folders and labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from resolvers.errors import NotFound, parse_id
from resolvers.records import FolderRecord, LabelRecord
from schema.context import Info
from schema.enums import FolderRole
from schema.inputs import NEWEST_FIRST, MessageFilter, MessageOrder
from schema.selection import each, later

if TYPE_CHECKING:
    from schema.types.message import MessageConnection

_ConnectionRef = Annotated["MessageConnection", strawberry.lazy("schema.types.message")]


@strawberry.federation.type(keys=["id"])
class Folder:
    id: strawberry.ID
    name: str
    role: FolderRole | None = strawberry.field(description="Null for a folder the user made.")
    sort_order: int
    total_count: int
    unread_count: int
    _rec: strawberry.Private[FolderRecord]

    @classmethod
    def from_record(cls, rec: FolderRecord) -> Folder:
        return cls(
            id=strawberry.ID(str(rec.id)),
            name=rec.name,
            role=FolderRole(rec.role) if rec.role else None,
            sort_order=rec.sort_order,
            total_count=rec.total_count,
            unread_count=rec.unread_count,
            _rec=rec,
        )

    @classmethod
    def maybe(cls, rec: FolderRecord | None) -> Folder | None:
        return cls.from_record(rec) if rec else None

    @strawberry.field
    def parent(self, info: Info) -> Folder | None:
        if self._rec.parent_id is None:
            return None
        return later(info.context.loaders.folder.load(self._rec.parent_id), Folder.maybe)

    @strawberry.field
    def children(self, info: Info) -> list[Folder]:
        return later(
            info.context.loaders.children_of_folder.load(self._rec.id),
            lambda recs: each(recs, Folder.from_record),
        )

    @strawberry.field
    async def messages(
        self,
        info: Info,
        filter: Optional[MessageFilter] = None,
        order_by: Optional[MessageOrder] = NEWEST_FIRST,
        first: Optional[int] = 50,
        after: Optional[str] = None,
        offset: Optional[int] = None,
    ) -> _ConnectionRef:
        from schema.listing import message_connection

        return await message_connection(info, self._rec, filter, order_by or NEWEST_FIRST, first, after, offset)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Folder | None:
        if info.context.viewer is None:
            return None
        try:
            return cls.maybe(await info.context.loaders.folder.load(parse_id(id, "Folder")))
        except NotFound:
            return None


@strawberry.federation.type(keys=["id"])
class Label:
    id: strawberry.ID
    name: str
    color: str | None
    message_count: int
    unread_count: int

    @classmethod
    def from_record(cls, rec: LabelRecord) -> Label:
        return cls(
            id=strawberry.ID(str(rec.id)),
            name=rec.name,
            color=rec.color,
            message_count=rec.message_count,
            unread_count=rec.unread_count,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Label | None:
        if info.context.viewer is None:
            return None
        try:
            rec = await info.context.loaders.label.load(parse_id(id, "Label"))
        except NotFound:
            return None
        return cls.from_record(rec) if rec else None
