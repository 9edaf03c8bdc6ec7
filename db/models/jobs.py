"""Background import jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_jobs"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    status: str = Field(default="QUEUED", sa_column=Column(String(16), nullable=False))
    total: int | None = Field(default=None)
    processed: int = Field(default=0, nullable=False)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
