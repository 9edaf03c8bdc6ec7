"""Conversations: an owner's messages grouped as a mail client shows them.

A conversation is not a MailThread. A MailThread is a shared record that
several users follow and post on; a conversation belongs to one owner and
groups that owner's copies of messages that answer each other (In-Reply-To,
References), share a MailThread, or share a subject within a short window.
Its counters are stored here and recomputed, in the transaction that changes
its messages, from those messages (``resolvers.conversation_summary``), so a
listing reads them and never counts rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_owner_date", "owner_id", "last_date", "id"),
        Index("ix_conversations_owner_subject", "owner_id", "subject_key", "last_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    #: The subject without Re:/Fwd: prefixes, as shown.
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    #: The same, casefolded without diacritics: what subject joining compares.
    subject_key: str = Field(default="", sa_column=Column(String(255), nullable=False))
    message_count: int = Field(default=0, nullable=False)
    unread_count: int = Field(default=0, nullable=False)
    important_count: int = Field(default=0, nullable=False)
    #: Messages with at least one attachment that is not inline.
    attachment_count: int = Field(default=0, nullable=False)
    latest_message_id: int | None = Field(default=None)
    last_date: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    #: The preview of the latest message.
    snippet: str = Field(default="", sa_column=Column(String(200), nullable=False))
    #: Senders in the order they first wrote: [{"name", "address"}].
    participants: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ConversationFolder(SQLModel, table=True):
    """Where a conversation has messages: one row per (conversation, folder), for folder listings."""

    __tablename__ = "conversation_folders"
    __table_args__ = (Index("ix_conversation_folders_listing", "folder_id", "last_date", "conversation_id"),)

    conversation_id: int = Field(foreign_key="conversations.id", primary_key=True, ondelete="CASCADE")
    folder_id: int = Field(foreign_key="folders.id", primary_key=True, ondelete="CASCADE")
    message_count: int = Field(default=0, nullable=False)
    unread_count: int = Field(default=0, nullable=False)
    #: The date of the conversation's latest message in this folder: what the listing sorts by.
    last_date: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
