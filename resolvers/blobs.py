"""Content-addressed file bytes: stored once per sha256, freed when nothing refers to them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_name
from db.models import Attachment, Blob, Message, table_of
from db.types import utcnow


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def put_blob(session: AsyncSession, data: bytes) -> str:
    """Store ``data`` unless the same bytes are stored already; returns its sha256."""
    digest = sha256_hex(data)
    table = table_of(Blob)
    insert = sqlite_insert if dialect_name(session) == "sqlite" else pg_insert
    await session.execute(
        insert(table)
        .values(sha256=digest, size=len(data), data=data, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return digest


async def read_blob(session: AsyncSession, digest: str) -> bytes | None:
    table = table_of(Blob)
    return (await session.execute(select(table.c.data).where(table.c.sha256 == digest))).scalar_one_or_none()


async def free_unreferenced(session: AsyncSession, digests: Iterable[str]) -> int:
    """Delete the blobs among ``digests`` that no attachment and no message refers to."""
    blobs = table_of(Blob)
    attachments = table_of(Attachment)
    messages = table_of(Message)
    wanted = sorted(set(digests))
    if not wanted:
        return 0
    result = await session.execute(
        blobs.delete().where(
            blobs.c.sha256.in_(wanted),
            ~exists().where(attachments.c.blob_sha256 == blobs.c.sha256),
            ~exists().where(messages.c.raw_sha256 == blobs.c.sha256),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
