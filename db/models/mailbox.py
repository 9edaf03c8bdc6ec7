"""Folders and labels with their counters."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class FolderRole(enum.StrEnum):
    INBOX = "INBOX"
    SENT = "SENT"
    DRAFTS = "DRAFTS"
    TRASH = "TRASH"
    JUNK = "JUNK"
    ARCHIVE = "ARCHIVE"


#: System folders every user has, in the order they are listed.
SYSTEM_FOLDERS: tuple[tuple[FolderRole, str], ...] = (
    (FolderRole.INBOX, "Inbox"),
    (FolderRole.DRAFTS, "Drafts"),
    (FolderRole.SENT, "Sent"),
    (FolderRole.ARCHIVE, "Archive"),
    (FolderRole.JUNK, "Junk"),
    (FolderRole.TRASH, "Trash"),
)


class Folder(SQLModel, table=True):
    __tablename__ = "folders"
    __table_args__ = (
        Index("ix_folders_owner", "owner_id"),
        Index("uq_folders_owner_role", "owner_id", "role", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    name: str = Field(sa_column=Column(String(256), nullable=False))
    role: str | None = Field(default=None, sa_column=Column(String(16)))
    parent_id: int | None = Field(default=None, foreign_key="folders.id", ondelete="CASCADE")
    sort_order: int = Field(default=0, nullable=False)
    total_count: int = Field(default=0, nullable=False)
    unread_count: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Label(SQLModel, table=True):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_labels_owner_name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    name: str = Field(sa_column=Column(String(256), nullable=False))
    color: str | None = Field(default=None, sa_column=Column(String(32)))
    message_count: int = Field(default=0, nullable=False)
    unread_count: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class MessageLabel(SQLModel, table=True):
    __tablename__ = "message_labels"
    __table_args__ = (Index("ix_message_labels_label", "label_id", "message_id"),)

    message_id: int = Field(foreign_key="messages.id", primary_key=True, ondelete="CASCADE")
    label_id: int = Field(foreign_key="labels.id", primary_key=True, ondelete="CASCADE")
