"""Staged uploads: files stored before a message or a mail thread uses them.

A staged upload is an attachment row of the viewer with no message and no
thread. Sending or saving a draft copies it (a new row on the same blob) and
removes the staged row; one not used within a day is removed by
``remove_stale_uploads``, which the server runs on its own.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, table_of
from db.types import utcnow
from resolvers.blobs import free_unreferenced, put_blob
from resolvers.errors import PayloadTooLarge
from resolvers.records import AttachmentRecord
from resolvers.viewer import Viewer

A = table_of(Attachment)

CHUNK = 64 * 1024
STAGED_TTL_SECONDS = 24 * 3600
_MIME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"a file may have at most {limit} bytes", maxBytes=limit)


async def read_limited(read: Callable[[int], Awaitable[bytes]], limit: int) -> bytes:
    """Read a file chunk by chunk; PAYLOAD_TOO_LARGE as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = await read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def clean_file_name(name: str | None) -> str:
    """The base name of what a browser sent, without control characters; 'attachment' if empty."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if ord(c) >= 32 and c != "\x7f").strip().strip(".")
    return base[:255] or "attachment"


def clean_mime_type(mime_type: str | None, file_name: str) -> str:
    value = (mime_type or "").split(";")[0].strip().lower()
    if value and _MIME.match(value) and value != "application/octet-stream":
        return value
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or "application/octet-stream"


async def stage_upload(
    session: AsyncSession, viewer: Viewer, file_name: str | None, mime_type: str | None, data: bytes, limit: int
) -> AttachmentRecord:
    """Store ``data`` (once per sha256) and a staged attachment of the viewer for it."""
    if len(data) > limit:
        raise too_large(limit)
    name = clean_file_name(file_name)
    digest = await put_blob(session, data)
    row = {
        "owner_id": viewer.user_id,
        "message_id": None,
        "mail_thread_id": None,
        "blob_sha256": digest,
        "file_name": name,
        "mime_type": clean_mime_type(mime_type, name),
        "size": len(data),
        "content_id": None,
        "is_inline": False,
        "created_at": utcnow(),
    }
    ident = int((await session.execute(insert(A).values(row).returning(A.c.id))).scalar_one())
    return AttachmentRecord.from_row({"id": ident, **row})


def is_staged_condition() -> ColumnElement[bool]:
    """Rows that are staged uploads: attached to no message and no mail thread yet."""
    return A.c.message_id.is_(None) & A.c.mail_thread_id.is_(None)


async def consume_staged(session: AsyncSession, owner_id: int, attachment_ids: list[int]) -> None:
    """Remove staged rows that a message has copied (their blobs stay: the copies use them)."""
    if attachment_ids:
        await session.execute(
            delete(A).where(A.c.id.in_(attachment_ids), A.c.owner_id == owner_id, is_staged_condition())
        )


async def remove_stale_uploads(session: AsyncSession, cutoff: datetime) -> int:
    """Remove staged uploads created before ``cutoff``, and blobs nothing else uses; returns how many."""
    rows = (
        await session.execute(select(A.c.id, A.c.blob_sha256).where(is_staged_condition(), A.c.created_at < cutoff))
    ).all()
    if not rows:
        return 0
    await session.execute(delete(A).where(A.c.id.in_([r.id for r in rows])))
    await free_unreferenced(session, [r.blob_sha256 for r in rows])
    return len(rows)
