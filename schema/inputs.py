"""The contract's input types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.compose import Compose
from resolvers.messages import MessageOrdering, MessageQuery, OrderField
from resolvers.thread_fields import COLUMN_FIELDS
from resolvers.thread_store import ThreadInput
from resolvers.threads import ThreadOrderField, ThreadOrdering, ThreadQuery
from schema.enums import MailThreadOrderField, MessageOrderField, OrderDirection


def _ids(values: list[strawberry.ID] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def _id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


@strawberry.input
class MessageFilter:
    query: str | None = strawberry.field(
        default=None, description="Every word must occur in the subject, body, sender or a recipient."
    )
    subject: str | None = None
    body: str | None = None
    from_: str | None = strawberry.field(default=None, name="from", description="Matches the sender's address or name.")
    to: str | None = strawberry.field(default=None, description="Matches a To or Cc recipient's address or name.")
    start_date: datetime | None = None
    end_date: datetime | None = None
    label_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Messages that carry every one of these labels."
    )
    was_read: bool | None = None
    important: bool | None = None
    has_attachments: bool | None = None
    thread_id: strawberry.ID | None = None
    min_size: int | None = None
    max_size: int | None = None

    def to_query(self) -> MessageQuery:
        """The filter in resolver terms."""
        return MessageQuery(
            query=self.query,
            subject=self.subject,
            body=self.body,
            sender=self.from_,
            recipient=self.to,
            start_date=self.start_date,
            end_date=self.end_date,
            label_ids=_ids(self.label_ids),
            was_read=self.was_read,
            important=self.important,
            has_attachments=self.has_attachments,
            thread_id=_id(self.thread_id),
            min_size=self.min_size,
            max_size=self.max_size,
        )


@strawberry.input
class MessageOrder:
    field: MessageOrderField = MessageOrderField.DATE
    direction: OrderDirection = OrderDirection.DESC

    def to_ordering(self) -> MessageOrdering:
        """The order in resolver terms."""
        return MessageOrdering(field=OrderField(self.field.value), descending=self.direction is OrderDirection.DESC)


NEWEST_FIRST = MessageOrder(field=MessageOrderField.DATE, direction=OrderDirection.DESC)
OLDEST_FIRST = MessageOrder(field=MessageOrderField.DATE, direction=OrderDirection.ASC)


IDENTITY_DESCRIPTION = (
    "Send as this identity (From, Reply-To, Bcc, signature put in once); absent: the\n"
    "draft's identity, else the default identity, else the user's own address."
)


@strawberry.input
class SendMessageInput:
    draft_id: strawberry.ID | None = strawberry.field(
        default=None, description="Send this draft; the other fields, when given, replace the draft's."
    )
    subject: str | None = None
    body: str | None = None
    html_body: str | None = None
    to: list[str] | None = strawberry.field(
        default=None, description="Addresses, bare or as Name <address>. At least one of to, cc, bcc."
    )
    cc: list[str] | None = None
    bcc: list[str] | None = None
    reply_to: list[str] | None = None
    attachment_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Staged uploads, or attachments of the draft or of a message being forwarded.",
    )
    in_reply_to_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The message being answered: sets In-Reply-To and References, marks it replied, joins its thread.",
    )
    forward_of_id: strawberry.ID | None = strawberry.field(
        default=None, description="The message being forwarded: marks it forwarded."
    )
    important: bool | None = None
    request_read_receipt: bool | None = None
    request_return_receipt: bool | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the first result and sends nothing again."
    )
    identity_id: strawberry.ID | None = strawberry.field(default=None, description=IDENTITY_DESCRIPTION)

    def to_compose(self) -> Compose:
        """The request in resolver terms."""
        return _compose(
            self,
            self.draft_id,
            request_read_receipt=self.request_read_receipt,
            request_return_receipt=self.request_return_receipt,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input
class DraftInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="The draft to update; absent to create one.")
    subject: str | None = None
    body: str | None = None
    html_body: str | None = None
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    reply_to: list[str] | None = None
    attachment_ids: list[strawberry.ID] | None = None
    in_reply_to_id: strawberry.ID | None = None
    forward_of_id: strawberry.ID | None = None
    important: bool | None = None
    identity_id: strawberry.ID | None = strawberry.field(default=None, description=IDENTITY_DESCRIPTION)

    def to_compose(self) -> Compose:
        """The request in resolver terms (a draft has no receipts or idempotency key to ask for)."""
        return _compose(self, self.id)


def _compose(source: SendMessageInput | DraftInput, draft_id: strawberry.ID | None, **only_sends: Any) -> Compose:
    """The fields a send and a draft share, converted once; ``only_sends`` are a send's own."""
    return Compose(
        draft_id=_id(draft_id),
        subject=source.subject,
        body=source.body,
        html_body=source.html_body,
        to=source.to,
        cc=source.cc,
        bcc=source.bcc,
        reply_to=source.reply_to,
        attachment_ids=_ids(source.attachment_ids),
        in_reply_to_id=_id(source.in_reply_to_id),
        forward_of_id=_id(source.forward_of_id),
        important=source.important,
        identity_id=_id(source.identity_id),
        **only_sends,
    )


@strawberry.input
class MailThreadInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="The key; absent on create to have one generated."
    )
    name: str | None = None
    follower_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces the followers (user ids)."
    )
    attachment_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Staged uploads to hand over to the thread."
    )

    def to_input(self) -> ThreadInput:
        """The input in resolver terms; the registry's column fields (thread_fields) are read by name."""
        return ThreadInput(
            key=_id(self.id),
            values={f.name: getattr(self, f.name) for f in COLUMN_FIELDS if getattr(self, f.name) is not None},
            follower_ids=_ids(self.follower_ids),
            attachment_ids=_ids(self.attachment_ids),
        )


@strawberry.input
class MailThreadFilter:
    id_eq: strawberry.ID | None = None
    name_like: str | None = strawberry.field(default=None, description="Case-insensitive substring of the name.")
    is_follower: bool | None = None
    needaction: bool | None = None

    def to_query(self) -> ThreadQuery:
        """The filter in resolver terms (also what a signed export or report link carries)."""
        return ThreadQuery(
            id_eq=_id(self.id_eq), name_like=self.name_like, is_follower=self.is_follower, needaction=self.needaction
        )


@strawberry.input
class MailThreadOrder:
    field: MailThreadOrderField = MailThreadOrderField.UPDATED_AT
    direction: OrderDirection = OrderDirection.DESC

    def to_ordering(self) -> ThreadOrdering:
        """The order in resolver terms."""
        return ThreadOrdering(ThreadOrderField(self.field.value), self.direction is OrderDirection.DESC)


RECENTLY_UPDATED = MailThreadOrder(field=MailThreadOrderField.UPDATED_AT, direction=OrderDirection.DESC)


@strawberry.input
class PostMessageInput:
    subject: str | None = None
    body: str | None = None
    html_body: str | None = None
    attachment_ids: list[strawberry.ID] | None = None
    partner_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Also give a copy to these users, who are not followers."
    )


@strawberry.input
class NotifyInput:
    subject: str | None = None
    body: str
    recipient_ids: list[strawberry.ID]


@strawberry.input
class TrackingChangeInput:
    field: str
    old_value: str | None = None
    new_value: str | None = None
