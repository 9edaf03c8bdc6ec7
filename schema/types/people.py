"""Contacts of the address book and the identities a user sends as."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.contacts import ContactRecord


@strawberry.type(description="An address in the user's address book: saved by them, or collected from their mail.")
class Contact:
    id: strawberry.ID
    name: str | None
    address: str
    saved: bool = strawberry.field(description="Saved by the user; false when only collected from mail.")
    times_written: int = strawberry.field(description="Messages the user sent to this address.")
    times_received: int = strawberry.field(description="Messages the user received from this address.")
    last_used_at: datetime | None = strawberry.field(description="When mail last went to or came from it.")
    notes: str | None

    @classmethod
    def from_record(cls, rec: ContactRecord) -> Contact:
        return cls(
            id=strawberry.ID(str(rec.id)),
            name=rec.name,
            address=rec.address,
            saved=rec.saved,
            times_written=rec.times_written,
            times_received=rec.times_received,
            last_used_at=rec.last_used_at,
            notes=rec.notes,
        )


@strawberry.input(description="A contact to save or change; fields left out keep their value on update.")
class ContactInput:
    name: str | None = None
    address: str | None = None
    notes: str | None = None
