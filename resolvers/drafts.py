"""Composing mail: what sendMessage and saveDraft share, and saving drafts.

A draft is a message of its owner with ``is_draft`` set, stored in Drafts
through ``store_message`` and updated in place (its id never changes). The
message being answered is remembered in its In-Reply-To and References
headers; a forwarded message, when the draft answers none, as the last
entry of References (as Thunderbird does), so that sending the draft later
still marks the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, Blob, ChangeKind, Message, MessageBody, MessageLabel, User, table_of
from db.types import utcnow
from resolvers.blobs import free_unreferenced
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.conversation_summary import note_destroyed
from resolvers.counters import CounterDeltas
from resolvers.errors import BadUserInput, not_found, parse_id, parse_ids
from resolvers.formats.addresses import AddressError, parse_addresses
from resolvers.formats.html import html_to_text, sanitize_html
from resolvers.formats.mime import Envelope, MimePart, build_email
from resolvers.identities import apply_identity
from resolvers.mailbox import folder_by_role
from resolvers.mailstore import (
    Address,
    NewAttachment,
    NewMessage,
    header_columns,
    new_message_id,
    people_of,
    store_message,
)
from resolvers.records import AttachmentRecord, MessageRecord, UserRecord
from resolvers.search import index_message, unindex_messages
from resolvers.services import Services
from resolvers.uploads import consume_staged
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
    #: The identity to send as (resolvers/identities.py): From, Reply-To, Bcc, signature.
    identity_id: str | None = None


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
    return [Address(v.get("address") or "", v.get("name")) for v in values]


def bodies(body: str | None, html_body: str | None) -> tuple[str, str | None]:
    """The plain text and the sanitized HTML; the text derived from the HTML when only HTML is given."""
    html = sanitize_html(html_body) if html_body and html_body.strip() else None
    if body is None or (not body.strip() and html):
        body = html_to_text(html) if html else ""
    return body, html


async def sender_of(session: AsyncSession, viewer: Viewer) -> UserRecord:
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
    row = (
        (await session.execute(select(M).where(M.c.id == parse_id(ident, what), M.c.owner_id == viewer.user_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise not_found(what, ident)
    return MessageRecord.from_row(row)


async def own_draft(session: AsyncSession, viewer: Viewer, ident: str | int) -> MessageRecord:
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
    to = addresses(c.to, "to") if c.to is not None else addresses_of(draft.to_addrs) if draft else []
    cc = addresses(c.cc, "cc") if c.cc is not None else addresses_of(draft.cc_addrs) if draft else []
    bcc = addresses(c.bcc, "bcc") if c.bcc is not None else addresses_of(draft.bcc_addrs) if draft else []
    reply_to = (
        addresses(c.reply_to, "replyTo")
        if c.reply_to is not None
        else addresses_of(draft.reply_to_addrs)
        if draft
        else []
    )
    return to, cc, bcc, reply_to


async def compose_bodies(session: AsyncSession, c: Compose, draft: MessageRecord | None) -> tuple[str, str | None]:
    """The text and the HTML: bodies given replace the draft's; HTML given without text gets its text derived."""
    row = None
    if draft is not None:
        row = (await session.execute(select(B).where(B.c.message_id == draft.id))).mappings().first()
    if row is not None and c.body is None and c.html_body is None:
        return row["body"], row["html_body"]
    kept_html = row["html_body"] if row is not None else None
    return bodies(c.body, c.html_body if c.html_body is not None else kept_html)


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
    rows = (await session.execute(select(A).where(A.c.message_id == message_id).order_by(A.c.id))).mappings().all()
    return [AttachmentRecord.from_row(row) for row in rows]


def new_attachments(records: list[AttachmentRecord]) -> list[NewAttachment]:
    return [NewAttachment(r.blob_sha256, r.file_name, r.mime_type, r.size, r.content_id, r.is_inline) for r in records]


async def mime_parts(session: AsyncSession, files: list[NewAttachment]) -> list[MimePart]:
    blobs = table_of(Blob)
    digests = sorted({f.blob_sha256 for f in files})
    if not digests:
        return []
    data = {
        r[0]: bytes(r[1])
        for r in await session.execute(select(blobs.c.sha256, blobs.c.data).where(blobs.c.sha256.in_(digests)))
    }
    return [MimePart(f.file_name, f.mime_type, data[f.blob_sha256], f.content_id, f.is_inline) for f in files]


def envelope_of(new: NewMessage, parts: list[MimePart]) -> Envelope:
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


def build(new: NewMessage, parts: list[MimePart], *, include_bcc: bool) -> EmailMessage:
    return build_email(envelope_of(new, parts), include_bcc=include_bcc)


async def mark_original(session: AsyncSession, rec: MessageRecord, column: str, *, force: bool = False) -> None:
    """Set was_replied or was_forwarded on the viewer's original, logged as a change."""
    if getattr(rec, column) and not force:
        return
    await session.execute(update(M).where(M.c.id == rec.id).values({column: True, "updated_at": utcnow()}))
    await record_changes(session, rec.owner_id, [ChangeEntry(ChangeKind.UPDATED, rec.id, rec.folder_id)])


async def destroy_message(session: AsyncSession, rec: MessageRecord) -> None:
    """Delete a message for good: counters, search index, change log, and blobs nothing uses."""
    ml = table_of(MessageLabel)
    label_ids = [r[0] for r in await session.execute(select(ml.c.label_id).where(ml.c.message_id == rec.id))]
    digests = [r[0] for r in await session.execute(select(A.c.blob_sha256).where(A.c.message_id == rec.id))]
    deltas = CounterDeltas()
    deltas.add_message(rec.folder_id, label_ids, unread=not rec.was_read, sign=-1)
    await unindex_messages(session, [rec.id])
    await note_destroyed(session, [rec.id])  # the change log refreshes its conversation
    await session.execute(delete(M).where(M.c.id == rec.id))
    if rec.raw_sha256:
        digests.append(rec.raw_sha256)
    await free_unreferenced(session, digests)
    folders = await deltas.apply(session)
    await record_changes(
        session,
        rec.owner_id,
        [ChangeEntry(ChangeKind.DESTROYED, rec.id, rec.folder_id)]
        + [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=f) for f in folders],
    )


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


async def save_draft(session: AsyncSession, services: Services, viewer: Viewer, c: Compose) -> int:
    """Create a draft, or update the one named by ``c.draft_id``; returns its id."""
    me = await sender_of(session, viewer)
    draft = await own_draft(session, viewer, c.draft_id) if c.draft_id is not None else None
    to, cc, bcc, reply_to = compose_recipients(c, draft)
    body, html = await compose_bodies(session, c, draft)
    # Identity: From, Reply-To, Bcc and the signature, applied once (resolvers/identities.py).
    ident = await apply_identity(
        session, viewer, me, c.identity_id, draft, body=body, html_body=html, reply_to=reply_to, bcc=bcc
    )
    body, html, reply_to, bcc = ident.body, ident.html_body, ident.reply_to, ident.bcc

    in_reply_to = draft.in_reply_to if draft else None
    references = list(draft.references) if draft else []
    thread_id = draft.thread_id if draft else None
    forwarded: MessageRecord | None = None
    if c.in_reply_to_id is not None:
        original = await own_message(session, viewer, c.in_reply_to_id)
        in_reply_to, references = reply_headers(original)
        thread_id = original.thread_id or thread_id
    if c.forward_of_id is not None:
        forwarded = await own_message(session, viewer, c.forward_of_id)
        if c.in_reply_to_id is None and in_reply_to is None and forwarded.message_id_header:
            references = [forwarded.message_id_header]

    chosen = await chosen_attachments(session, viewer, c, draft, forwarded)

    new = NewMessage(
        **compose_flags(c, draft),
        sender=ident.sender,
        body=body,
        html_body=html,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        date=utcnow(),
        thread_id=thread_id,
        was_read=True,
        is_draft=True,
        message_id_header=(draft.message_id_header if draft else None) or new_message_id(services.mail_domain),
        in_reply_to=in_reply_to,
        references=references,
        attachments=new_attachments(chosen),
    )
    new.size = len(build(new, await mime_parts(session, new.attachments), include_bcc=True).as_bytes())

    if draft is None:
        folder = await folder_by_role(session, viewer.user_id, "DRAFTS")
        draft_id = await store_message(session, viewer.user_id, folder.id, new, domain=services.mail_domain)
        await consume_staged(session, viewer.user_id, [a.id for a in chosen if a.message_id is None])
        return draft_id

    # Update in place: the row, its body, its attachments, its search entry.
    kept = {a.id for a in chosen if a.message_id == draft.id}
    old_files = await attachments_of_message(session, draft.id)
    dropped = [a for a in old_files if a.id not in kept]
    if dropped:
        await session.execute(delete(A).where(A.c.id.in_([a.id for a in dropped])))
    added = [a for a in chosen if a.message_id != draft.id]
    if added:
        now = utcnow()
        await session.execute(
            A.insert(),
            [
                {
                    "owner_id": viewer.user_id,
                    "message_id": draft.id,
                    "blob_sha256": a.blob_sha256,
                    "file_name": a.file_name,
                    "mime_type": a.mime_type,
                    "size": a.size,
                    "content_id": a.content_id,
                    "is_inline": a.is_inline,
                    "created_at": now,
                }
                for a in added
            ],
        )
    await consume_staged(session, viewer.user_id, [a.id for a in added if a.message_id is None])
    await free_unreferenced(session, [a.blob_sha256 for a in dropped])
    await session.execute(
        update(M)
        .where(M.c.id == draft.id)
        .values(
            **header_columns(new),
            date=new.date,
            updated_at=new.date,
            important=new.important,
            read_receipt_requested=new.read_receipt_requested,
            return_receipt_requested=new.return_receipt_requested,
            has_attachments=any(not a.is_inline for a in new.attachments),
            size=new.size,
            in_reply_to=new.in_reply_to,
            references=new.references,
            thread_id=new.thread_id,
        )
    )
    await session.execute(update(B).where(B.c.message_id == draft.id).values(body=new.body, html_body=new.html_body))
    await index_message(session, draft.id, subject=new.subject, body=new.body, people=people_of(new))
    await record_changes(session, viewer.user_id, [ChangeEntry(ChangeKind.UPDATED, draft.id, draft.folder_id)])
    return draft.id
