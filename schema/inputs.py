"""The contract's input types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import MailThreadOrderField, MessageOrderField, OrderDirection


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


@strawberry.input
class MessageOrder:
    field: MessageOrderField = MessageOrderField.DATE
    direction: OrderDirection = OrderDirection.DESC


NEWEST_FIRST = MessageOrder(field=MessageOrderField.DATE, direction=OrderDirection.DESC)
OLDEST_FIRST = MessageOrder(field=MessageOrderField.DATE, direction=OrderDirection.ASC)


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
    identity_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Send as this identity (From, Reply-To, Bcc, signature put in once); absent: the\n"
        "draft's identity, else the default identity, else the user's own address.",
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
    identity_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Send as this identity (From, Reply-To, Bcc, signature put in once); absent: the\n"
        "draft's identity, else the default identity, else the user's own address.",
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


@strawberry.input
class MailThreadFilter:
    id_eq: strawberry.ID | None = None
    name_like: str | None = strawberry.field(default=None, description="Case-insensitive substring of the name.")
    is_follower: bool | None = None
    needaction: bool | None = None


@strawberry.input
class MailThreadOrder:
    field: MailThreadOrderField = MailThreadOrderField.UPDATED_AT
    direction: OrderDirection = OrderDirection.DESC


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
