"""Contacts of the address book and the identities a user sends as."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.contacts import ContactRecord
from resolvers.identities import IdentityFields, IdentityRecord


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


@strawberry.type(description="An address the user sends as, with its reply-to, bcc and signatures.")
class Identity:
    id: strawberry.ID
    name: str = strawberry.field(description="The display name of From.")
    address: str = strawberry.field(description="The user's own address or a +alias of it.")
    reply_to: str | None
    bcc: str | None = strawberry.field(description="An address every message sent as this identity is copied to.")
    text_signature: str = strawberry.field(description="Put below the text body, after a '-- ' line.")
    html_signature: str = strawberry.field(description="Sanitized; put at the end of the HTML body.")
    is_default: bool = strawberry.field(
        description="Used when a send or draft names no identity. Exactly one identity is the default."
    )

    @classmethod
    def from_record(cls, rec: IdentityRecord) -> Identity:
        return cls(
            id=strawberry.ID(str(rec.id)),
            name=rec.name,
            address=rec.address,
            reply_to=rec.reply_to,
            bcc=rec.bcc,
            text_signature=rec.text_signature,
            html_signature=rec.html_signature,
            is_default=rec.is_default,
        )


@strawberry.input(description="An identity to create or change; fields left out keep their value on update.")
class IdentityInput:
    name: str | None = None
    address: str | None = None
    reply_to: str | None = strawberry.field(default=None, description="An empty string clears it.")
    bcc: str | None = strawberry.field(default=None, description="An empty string clears it.")
    text_signature: str | None = None
    html_signature: str | None = None
    is_default: bool | None = None

    def fields(self) -> IdentityFields:
        return IdentityFields(
            name=self.name,
            address=self.address,
            reply_to=self.reply_to,
            bcc=self.bcc,
            text_signature=self.text_signature,
            html_signature=self.html_signature,
            is_default=self.is_default,
        )
