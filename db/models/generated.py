"""Generated files kept for a while: import error reports and uploads of background imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class GeneratedFile(SQLModel, table=True):
    """Bytes made for (or sent by) one user, served by a signed link until ``expires_at``.

    The bytes live in the row, not in ``blobs``: blobs are freed when no attachment or
    message refers to them, and these files have a lifetime of their own.
    """

    __tablename__ = "generated_files"
    __table_args__ = (Index("ix_generated_files_expires", "expires_at"),)

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    #: "error-report" or "upload".
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    file_name: str = Field(sa_column=Column(String(255), nullable=False))
    mime_type: str = Field(sa_column=Column(String(255), nullable=False))
    size: int = Field(nullable=False)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
