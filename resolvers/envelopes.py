"""A stored message read back as RFC 5322: its original source, or one rebuilt from its fields.

The database half of resolvers/formats/mime.py, which stays pure (no session).
"""

from __future__ import annotations

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Blob, Message, MessageBody, table_of
from resolvers.formats.mime import Envelope, build_email
from resolvers.formats.parts import AttachmentPart


async def message_source(session: AsyncSession, message_id: int) -> bytes | None:
    """The RFC 5322 bytes of a stored message: its original source, or one built from its fields."""
    row = await _message_row(session, message_id)
    if row is None:
        return None
    if row["raw_sha256"]:
        blobs = table_of(Blob)
        data = (await session.execute(select(blobs.c.data).where(blobs.c.sha256 == row["raw_sha256"]))).scalar()
        if data is not None:
            return bytes(data)
    env = await _envelope_of(session, row)
    # The owner's own copy keeps Bcc: it is their record of who got it.
    return build_email(env, include_bcc=bool(row["was_sent"])).as_bytes()


async def stored_envelope(session: AsyncSession, message_id: int) -> tuple[RowMapping, Envelope] | None:
    """A stored message's row and the Envelope built from its fields, body and attachments."""
    row = await _message_row(session, message_id)
    if row is None:
        return None
    return row, await _envelope_of(session, row)


async def _message_row(session: AsyncSession, message_id: int) -> RowMapping | None:
    m = table_of(Message)
    return (await session.execute(select(m).where(m.c.id == message_id))).mappings().first()


async def _envelope_of(session: AsyncSession, row: RowMapping) -> Envelope:
    b, a, blobs = (
        table_of(MessageBody),
        table_of(Attachment),
        table_of(Blob),
    )
    message_id = row["id"]
    body = (await session.execute(select(b).where(b.c.message_id == message_id))).mappings().first()
    files = (
        await session.execute(
            select(a.c.file_name, a.c.mime_type, a.c.content_id, a.c.is_inline, blobs.c.data)
            .join(blobs, blobs.c.sha256 == a.c.blob_sha256)
            .where(a.c.message_id == message_id)
            .order_by(a.c.id)
        )
    ).all()
    return Envelope(
        sender={"name": row["from_name"], "address": row["from_address"]},
        subject=row["subject"],
        body=body["body"] if body else "",
        html_body=body["html_body"] if body else None,
        to=row["to_addrs"],
        cc=row["cc_addrs"],
        bcc=row["bcc_addrs"],
        reply_to=row["reply_to_addrs"],
        date=row["date"],
        message_id=row["message_id_header"],
        in_reply_to=row["in_reply_to"],
        references=row["references"],
        important=row["important"],
        read_receipt=row["read_receipt_requested"],
        return_receipt=row["return_receipt_requested"],
        parts=[AttachmentPart(f.file_name, f.mime_type, bytes(f.data), f.content_id, f.is_inline) for f in files],
    )
