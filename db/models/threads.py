"""Mail threads: shared records with followers, and the tracking snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class MailThread(SQLModel, table=True):
    __tablename__ = "mail_threads"
    # One index per sort of the listing: (key, id).
    __table_args__ = (
        Index("ix_mail_threads_updated", "updated_at", "id"),
        Index("ix_mail_threads_created", "created_at", "id"),
        Index("ix_mail_threads_name", "name_key", "id"),
    )

    id: str = Field(sa_column=Column(String(255), primary_key=True))
    name: str = Field(sa_column=Column(String(1024), nullable=False))
    #: Casefolded name, for nameLike and sorting by name the same on every database.
    name_key: str = Field(sa_column=Column(String(1024), nullable=False, index=True))
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Follower(SQLModel, table=True):
    __tablename__ = "followers"
    __table_args__ = (
        UniqueConstraint("thread_id", "user_id", name="uq_followers_thread_user"),
        Index("ix_followers_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: str = Field(
        sa_column=Column(String(255), ForeignKey("mail_threads.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TrackingSnapshot(SQLModel, table=True):
    """The tracked values trackPrepare remembered, per thread and caller."""

    __tablename__ = "tracking_snapshots"

    thread_id: str = Field(
        sa_column=Column(String(255), ForeignKey("mail_threads.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
