"""Attachments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.errors import NotFound, parse_id
from resolvers.records import AttachmentRecord
from schema.context import Info
from schema.selection import later

if TYPE_CHECKING:
    from schema.types.message import Message
    from schema.types.thread import MailThread

_MessageRef = Annotated["Message", strawberry.lazy("schema.types.message")]
_ThreadRef = Annotated["MailThread", strawberry.lazy("schema.types.thread")]


@strawberry.federation.type(keys=["id"])
class Attachment:
    id: strawberry.ID
    file_name: str
    mime_type: str
    size: int
    sha256: str
    content_id: str | None
    is_inline: bool
    created_at: datetime
    _rec: strawberry.Private[AttachmentRecord]

    @classmethod
    def from_record(cls, rec: AttachmentRecord) -> Attachment:
        return cls(
            id=strawberry.ID(str(rec.id)),
            file_name=rec.file_name,
            mime_type=rec.mime_type,
            size=rec.size,
            sha256=rec.blob_sha256,
            content_id=rec.content_id,
            is_inline=rec.is_inline,
            created_at=rec.created_at,
            _rec=rec,
        )

    @strawberry.field(description="A signed link to the file's bytes.")
    def download_url(self, info: Info) -> str:
        return info.context.links.sign("attachment", self._rec.id).url

    @strawberry.field
    def message(self, info: Info) -> _MessageRef | None:
        if self._rec.message_id is None:
            return None
        from schema.types.message import Message

        return later(info.context.loaders.message.load(self._rec.message_id), Message.maybe)

    @strawberry.field
    def mail_thread(self, info: Info) -> _ThreadRef | None:
        if self._rec.mail_thread_id is None:
            return None
        from schema.types.thread import MailThread

        return later(info.context.loaders.thread.load(self._rec.mail_thread_id), MailThread.maybe)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Attachment | None:
        if info.context.viewer is None:
            return None
        try:
            rec = await info.context.loaders.attachment.load(parse_id(id, "Attachment"))
        except NotFound:
            return None
        return cls.from_record(rec) if rec else None
