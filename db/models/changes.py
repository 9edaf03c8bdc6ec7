"""The change log: one row per change to an owner's messages, in modseq order."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class ChangeKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DESTROYED = "destroyed"
    FOLDER_UPDATED = "folder_updated"


class Change(SQLModel, table=True):
    __tablename__ = "changes"
    __table_args__ = (
        Index("uq_changes_owner_modseq", "owner_id", "modseq", unique=True),
        Index("ix_changes_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    modseq: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    message_id: int | None = Field(default=None)
    folder_id: int | None = Field(default=None)
    #: The conversation of the message, as it was when the change happened.
    conversation_id: int | None = Field(default=None)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
