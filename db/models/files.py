"""Attachments and the content-addressed blobs they point to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class Blob(SQLModel, table=True):
    """File bytes, stored once per content and shared by every copy."""

    __tablename__ = "blobs"

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    size: int = Field(nullable=False)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Attachment(SQLModel, table=True):
    """A file of a message, of a mail thread, or staged by an upload (neither yet)."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_message", "message_id"),
        Index("ix_attachments_thread", "mail_thread_id"),
        Index("ix_attachments_owner_created", "owner_id", "created_at"),
        Index("ix_attachments_blob", "blob_sha256"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="messages.id", ondelete="CASCADE")
    mail_thread_id: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))
    blob_sha256: str = Field(foreign_key="blobs.sha256", nullable=False)
    file_name: str = Field(sa_column=Column(String(1024), nullable=False))
    mime_type: str = Field(sa_column=Column(String(255), nullable=False))
    size: int = Field(nullable=False)
    content_id: str | None = Field(default=None, sa_column=Column(String(998)))
    is_inline: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
