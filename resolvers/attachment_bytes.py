"""An attachment's bytes, found by its message and file name (how R7 clients download)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, table_of
from resolvers.blobs import read_blob
from resolvers.errors import not_found, parse_id
from resolvers.messages import get_message
from resolvers.records import AttachmentRecord
from resolvers.viewer import Viewer

A = table_of(Attachment)


async def attachment_by_name(
    session: AsyncSession, viewer: Viewer, message_id: str | int, file_name: str, folder_id: str | int | None = None
) -> tuple[AttachmentRecord, bytes]:
    """The attachment named ``file_name`` of one of the viewer's messages, with its bytes.

    NOT_FOUND for someone else's message, a message that is not in ``folder_id`` (when
    given) and a name the message has no attachment by; the first one wins when a
    message carries two files of one name."""
    message = await get_message(session, viewer, message_id)
    if folder_id is not None and message.folder_id != parse_id(folder_id, "Folder"):
        raise not_found("Message", message_id)
    row = (
        (
            await session.execute(
                select(A).where(A.c.message_id == message.id, A.c.file_name == file_name).order_by(A.c.id).limit(1)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("Attachment", file_name)
    record = AttachmentRecord.from_row(row)
    data = await read_blob(session, record.blob_sha256)
    if data is None:
        raise not_found("Attachment", file_name)
    return record, data
