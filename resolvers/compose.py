"""Composing mail: one place that turns a compose request into the message to store.

sendMessage and saveDraft (and so a reply and a forward, which are either with
``inReplyToId`` or ``forwardOfId``) all go through ``compose_message``: the draft
named, the recipients, the bodies, the message answered or forwarded, the
attachments chosen, the subject and flags, and the RFC 5322 size. What differs
between a send and a draft is said once, in ``_originals``.

A draft remembers the message it answers in its In-Reply-To and References
headers; a forwarded message, when the draft answers none, as the last entry
of References (as Thunderbird does), so that sending the draft later still
marks the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Blob, Message, MessageBody, User, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput, not_found, parse_id, parse_ids
from resolvers.formats.addresses import AddressError, parse_addresses
from resolvers.formats.html import html_to_text, sanitize_html
from resolvers.formats.mime import Envelope, build_email
from resolvers.formats.parts import AttachmentPart
from resolvers.mailstore import Address, NewMessage, new_message_id
from resolvers.records import AttachmentRecord, MessageRecord, UserRecord
from resolvers.services import Services
from resolvers.viewer import Viewer

M = table_of(Message)
B = table_of(MessageBody)
A = table_of(Attachment)
MAX_REFERENCES = 20


@dataclass(slots=True)
class Compose:
    """What a client asks of sendMessage or saveDraft; None means 'not given'."""

    draft_id: str | None = None
    subject: str | None = None
    body: str | None = None
    html_body: str | None = None
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    reply_to: list[str] | None = None
    attachment_ids: list[str] | None = None
    in_reply_to_id: str | None = None
    forward_of_id: str | None = None
    important: bool | None = None
    request_read_receipt: bool | None = None
    request_return_receipt: bool | None = None
    idempotency_key: str | None = None


@dataclass(slots=True)
class Originals:
    """The message answered and the one forwarded, and the headers and thread that follow."""

    replied: MessageRecord | None = None
    forwarded: MessageRecord | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    thread_id: str | None = None
    #: The answered message's thread before this send gave it one (None: it had none).
    replied_thread: str | None = None


@dataclass(slots=True)
class Composed:
    """A compose request resolved: the message to store and what it was made from."""

    new: NewMessage
    draft: MessageRecord | None
    originals: Originals
    chosen: list[AttachmentRecord]
    parts: list[AttachmentPart]


def addresses(values: list[str] | None, argument: str) -> list[Address]:
    """Parsed addresses; BAD_USER_INPUT naming the first bad one."""
    try:
        return [Address(p.address, p.name) for p in parse_addresses(values)]
    except AddressError as error:
        raise BadUserInput(
            f"{error.value!r} in {argument} is not a valid email address: {error.reason}",
            argument=argument,
            address=error.value,
        ) from error


def addresses_of(values: list[dict[str, Any]]) -> list[Address]:
    """Stored address JSON as Address values."""
    return [Address(v.get("address") or "", v.get("name")) for v in values]


def bodies(body: str | None, html_body: str | None) -> tuple[str, str | None]:
    """The plain text and the sanitized HTML; the text derived from the HTML when only HTML is given."""
    html = sanitize_html(html_body) if html_body and html_body.strip() else None
    if body is None or (not body.strip() and html):
        body = html_to_text(html) if html else ""
    return body, html


async def sender_of(session: AsyncSession, viewer: Viewer) -> UserRecord:
    """The viewer as the sender of a message."""
    users = table_of(User)
    row = (
        (
            await session.execute(
                select(users.c.id, users.c.login, users.c.name, users.c.email).where(users.c.id == viewer.user_id)
            )
        )
        .mappings()
        .one()
    )
    return UserRecord.from_row(row)


async def own_message(
    session: AsyncSession, viewer: Viewer, ident: str | int, *, what: str = "Message"
) -> MessageRecord:
    """The viewer's message ``ident``; NOT_FOUND for a missing one and for someone else's."""
    row = (
        (await session.execute(select(M).where(M.c.id == parse_id(ident, what), M.c.owner_id == viewer.user_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise not_found(what, ident)
    return MessageRecord.from_row(row)


async def own_draft(session: AsyncSession, viewer: Viewer, ident: str | int) -> MessageRecord:
    """The viewer's draft ``ident``; a message that is no draft is NOT_FOUND as a Draft."""
    rec = await own_message(session, viewer, ident, what="Draft")
    if not rec.is_draft:
        raise not_found("Draft", ident)
    return rec


async def message_by_header(session: AsyncSession, viewer: Viewer, header: str | None) -> MessageRecord | None:
    """The viewer's (non-draft) message with this Message-ID, when there is one."""
    if not header:
        return None
    row = (
        (
            await session.execute(
                select(M)
                .where(M.c.owner_id == viewer.user_id, M.c.message_id_header == header, M.c.is_draft.is_(False))
                .order_by(M.c.id)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return MessageRecord.from_row(row) if row else None


def reply_headers(original: MessageRecord) -> tuple[str | None, list[str]]:
    """In-Reply-To and References for an answer to ``original``."""
    if not original.message_id_header:
        return None, list(original.references)[-MAX_REFERENCES:]
    refs = [r for r in original.references if r != original.message_id_header]
    refs.append(original.message_id_header)
    if len(refs) > MAX_REFERENCES:
        refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
    return original.message_id_header, refs


def compose_recipients(
    c: Compose, draft: MessageRecord | None
) -> tuple[list[Address], list[Address], list[Address], list[Address]]:
    """To, Cc, Bcc and Reply-To: those given, else the draft's (none without a draft)."""

    def pick(values: list[str] | None, argument: str, kept: list[dict[str, Any]] | None) -> list[Address]:
        if values is not None:
            return addresses(values, argument)
        return addresses_of(kept) if kept is not None else []

    return (
        pick(c.to, "to", draft.to_addrs if draft else None),
        pick(c.cc, "cc", draft.cc_addrs if draft else None),
        pick(c.bcc, "bcc", draft.bcc_addrs if draft else None),
        pick(c.reply_to, "replyTo", draft.reply_to_addrs if draft else None),
    )


async def compose_bodies(session: AsyncSession, c: Compose, draft: MessageRecord | None) -> tuple[str, str | None]:
    """The text and the HTML: bodies given replace the draft's; HTML given without text gets its text derived."""
    row = None
    if draft is not None:
        row = (await session.execute(select(B).where(B.c.message_id == draft.id))).mappings().first()
    if row is not None and c.body is None and c.html_body is None:
        return row["body"], row["html_body"]
    kept_html = row["html_body"] if row is not None else None
    return bodies(c.body, c.html_body if c.html_body is not None else kept_html)


def _given(value: Any, fallback: Any) -> Any:
    return fallback if value is None else value


def compose_flags(c: Compose, draft: MessageRecord | None) -> dict[str, Any]:
    """Subject and flags of a message being composed: the ones given, else the draft's."""
    return {
        "subject": _given(c.subject, draft.subject if draft else ""),
        "important": bool(_given(c.important, draft.important if draft else False)),
        "read_receipt_requested": bool(
            _given(c.request_read_receipt, draft.read_receipt_requested if draft else False)
        ),
        "return_receipt_requested": bool(
            _given(c.request_return_receipt, draft.return_receipt_requested if draft else False)
        ),
    }


async def chosen_attachments(
    session: AsyncSession, viewer: Viewer, c: Compose, draft: MessageRecord | None, forwarded: MessageRecord | None
) -> list[AttachmentRecord]:
    """The attachments ``c`` names (staged uploads, or the draft's or the forwarded message's), else the draft's."""
    if c.attachment_ids is not None:
        allowed = [m.id for m in (draft, forwarded) if m is not None]
        return await attachments_for(session, viewer, c.attachment_ids, allowed)
    return await attachments_of_message(session, draft.id) if draft else []


async def attachments_for(
    session: AsyncSession, viewer: Viewer, ids: list[str], message_ids: list[int]
) -> list[AttachmentRecord]:
    """The attachments named by ``ids``: staged uploads of the viewer or attachments of
    ``message_ids`` (the draft, the forwarded message). Anything else is NOT_FOUND."""
    wanted = parse_ids(ids, "Attachment")
    if not wanted:
        return []
    staged = A.c.message_id.is_(None) & A.c.mail_thread_id.is_(None)
    allowed = staged | A.c.message_id.in_(message_ids) if message_ids else staged
    rows = (
        (await session.execute(select(A).where(A.c.id.in_(wanted), A.c.owner_id == viewer.user_id, allowed)))
        .mappings()
        .all()
    )
    found = {row["id"]: AttachmentRecord.from_row(row) for row in rows}
    for ident in wanted:
        if ident not in found:
            raise not_found("Attachment", ident)
    return [found[i] for i in wanted]


async def attachments_of_message(session: AsyncSession, message_id: int) -> list[AttachmentRecord]:
    """A message's attachments in the order they were added."""
    rows = (await session.execute(select(A).where(A.c.message_id == message_id).order_by(A.c.id))).mappings().all()
    return [AttachmentRecord.from_row(row) for row in rows]


def new_attachments(records: list[AttachmentRecord]) -> list[AttachmentPart]:
    """Stored attachments as parts of a new message (the blob by digest; no bytes read)."""
    return [
        AttachmentPart(
            r.file_name,
            r.mime_type,
            blob_sha256=r.blob_sha256,
            size=r.size,
            content_id=r.content_id,
            is_inline=r.is_inline,
        )
        for r in records
    ]


async def mime_parts(session: AsyncSession, files: list[AttachmentPart]) -> list[AttachmentPart]:
    """``files`` with their bytes, read from the blobs, for building the RFC 5322 message."""
    blobs = table_of(Blob)
    digests = sorted({f.blob_sha256 for f in files if f.blob_sha256})
    if not digests:
        return []
    data = {
        r[0]: bytes(r[1])
        for r in await session.execute(select(blobs.c.sha256, blobs.c.data).where(blobs.c.sha256.in_(digests)))
    }
    return [f.with_data(data[f.blob_sha256]) for f in files if f.blob_sha256]


def envelope_of(new: NewMessage, parts: list[AttachmentPart]) -> Envelope:
    """The Envelope of a message about to be stored."""
    return Envelope(
        sender=new.sender.as_json(),
        subject=new.subject,
        body=new.body,
        html_body=new.html_body,
        to=[a.as_json() for a in new.to],
        cc=[a.as_json() for a in new.cc],
        bcc=[a.as_json() for a in new.bcc],
        reply_to=[a.as_json() for a in new.reply_to],
        date=new.date,
        message_id=new.message_id_header,
        in_reply_to=new.in_reply_to,
        references=list(new.references),
        important=new.important,
        read_receipt=new.read_receipt_requested,
        return_receipt=new.return_receipt_requested,
        parts=parts,
    )


def build(new: NewMessage, parts: list[AttachmentPart], *, include_bcc: bool) -> EmailMessage:
    """The RFC 5322 message of ``new``; the sender's copy keeps Bcc, a delivered copy does not."""
    return build_email(envelope_of(new, parts), include_bcc=include_bcc)


async def _originals(
    session: AsyncSession, viewer: Viewer, c: Compose, draft: MessageRecord | None, *, sending: bool
) -> Originals:
    """The message answered and the one forwarded, named by ``c`` or remembered by the draft.

    A draft only records them in its headers (and joins the answered message's thread when
    it has one). A send also finds them again from a draft's headers; an answered message
    without a thread gets one in resolvers/sending.py (``join_thread``).
    """
    o = Originals(
        in_reply_to=draft.in_reply_to if draft else None,
        references=list(draft.references) if draft else [],
        thread_id=draft.thread_id if draft else None,
    )
    if c.in_reply_to_id is not None:
        o.replied = await own_message(session, viewer, c.in_reply_to_id)
    if c.forward_of_id is not None:
        o.forwarded = await own_message(session, viewer, c.forward_of_id)
    if not sending:
        if o.replied is not None:
            o.in_reply_to, o.references = reply_headers(o.replied)
            o.thread_id = o.replied.thread_id or o.thread_id
        if o.forwarded is not None and o.replied is None and o.in_reply_to is None and o.forwarded.message_id_header:
            o.references = [o.forwarded.message_id_header]
        return o
    if o.replied is None and draft is not None and draft.in_reply_to:
        o.replied = await message_by_header(session, viewer, draft.in_reply_to)
    if o.forwarded is None and draft is not None and not draft.in_reply_to and draft.references:
        o.forwarded = await message_by_header(session, viewer, draft.references[-1])
    o.replied_thread = o.replied.thread_id if o.replied is not None else None
    if o.replied is not None:
        o.in_reply_to, o.references = reply_headers(o.replied)
        o.thread_id = o.replied.thread_id
    elif o.forwarded is not None and c.forward_of_id is not None and o.forwarded.message_id_header:
        o.references = [o.forwarded.message_id_header]
    return o


async def compose_message(
    session: AsyncSession, services: Services, viewer: Viewer, c: Compose, *, sending: bool
) -> Composed:
    """Turn ``c`` into the message to store: the sender's copy of a send (``sending``), or a draft.

    Validates in the order a client reads the errors: the draft, the recipients (a send
    needs one), the bodies, the originals, the attachments. Writes nothing.
    """
    me = await sender_of(session, viewer)
    draft = await own_draft(session, viewer, c.draft_id) if c.draft_id is not None else None
    to, cc, bcc, reply_to = compose_recipients(c, draft)
    if sending and not (to or cc or bcc):
        raise BadUserInput("a message needs at least one recipient in to, cc or bcc", argument="to")
    body, html = await compose_bodies(session, c, draft)
    originals = await _originals(session, viewer, c, draft, sending=sending)
    chosen = await chosen_attachments(session, viewer, c, draft, originals.forwarded)
    message_id = None if sending or draft is None else draft.message_id_header
    new = NewMessage(
        **compose_flags(c, draft),
        sender=Address(me.email, me.name),
        body=body,
        html_body=html,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        date=utcnow(),
        thread_id=originals.thread_id,
        was_read=True,
        was_sent=sending,
        is_draft=not sending,
        message_id_header=message_id or new_message_id(services.mail_domain),
        in_reply_to=originals.in_reply_to,
        references=originals.references,
        attachments=new_attachments(chosen),
    )
    parts = await mime_parts(session, new.attachments)
    new.size = len(build(new, parts, include_bcc=True).as_bytes())
    return Composed(new=new, draft=draft, originals=originals, chosen=chosen, parts=parts)
