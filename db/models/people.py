"""A user's address book (contacts) and the identities they send as."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    """One address in a user's address book: collected from mail, or saved by the user."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("owner_id", "address_key", name="uq_contacts_owner_address"),
        Index("ix_contacts_owner_rank", "owner_id", "times_written", "last_used_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    name: str | None = Field(default=None, sa_column=Column(String(512)))
    address: str = Field(sa_column=Column(String(512), nullable=False))
    #: Casefolded, without diacritics (resolvers.search.fold).
    name_key: str = Field(default="", sa_column=Column(String(512), nullable=False))
    address_key: str = Field(sa_column=Column(String(512), nullable=False))
    #: Saved by the user (kept when mail stops) or only collected from mail.
    saved: bool = Field(default=False, nullable=False)
    #: Messages the user sent to this address / received from it.
    times_written: int = Field(default=0, nullable=False)
    times_received: int = Field(default=0, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ContactTerm(SQLModel, table=True):
    """A word a contact is found by: each word of its folded name, its folded address and the
    address's local part. Autocomplete is a prefix range over ``(owner_id, term)``."""

    __tablename__ = "contact_terms"

    owner_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    term: str = Field(sa_column=Column(String(512), primary_key=True))
    contact_id: int = Field(foreign_key="contacts.id", primary_key=True, ondelete="CASCADE")


class Identity(SQLModel, table=True):
    """An address a user sends as, with its reply-to, bcc and signatures."""

    __tablename__ = "identities"
    __table_args__ = (Index("ix_identities_owner", "owner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    name: str = Field(default="", sa_column=Column(String(512), nullable=False))
    address: str = Field(sa_column=Column(String(512), nullable=False))
    reply_to: str | None = Field(default=None, sa_column=Column(String(512)))
    bcc: str | None = Field(default=None, sa_column=Column(String(512)))
    text_signature: str = Field(default="", sa_column=Column(Text, nullable=False))
    html_signature: str = Field(default="", sa_column=Column(Text, nullable=False))
    is_default: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
