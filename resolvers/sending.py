"""sendMessage: the sender's copy in Sent, internal recipients' copies in their
Inbox at once, external recipients queued in the outbox for the relay worker.

Everything happens in the caller's unit of work: every copy through
``store_message`` (counters, search index, change log), the original marked
replied or forwarded, the draft destroyed, the staged uploads consumed, the
outbox rows and the idempotency key written, or none of it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DeliveryStatus, Message, OutboxEntry, SentRequest, table_of
from db.types import utcnow
from resolvers.drafts import (
    Compose,
    build,
    chosen_attachments,
    compose_bodies,
    compose_flags,
    compose_recipients,
    destroy_message,
    mark_original,
    message_by_header,
    mime_parts,
    new_attachments,
    own_draft,
    own_message,
    reply_headers,
    sender_of,
)
from resolvers.errors import BadUserInput
from resolvers.identities import apply_identity
from resolvers.mailbox import folder_by_role
from resolvers.mailstore import Address, NewMessage, new_message_id, store_message
from resolvers.records import MessageRecord
from resolvers.services import Services
from resolvers.thread_store import insert_thread
from resolvers.uploads import consume_staged
from resolvers.users import users_by_email
from resolvers.viewer import Viewer

M = table_of(Message)
O = table_of(OutboxEntry)  # noqa: E741
S = table_of(SentRequest)

NO_RELAY = "no SMTP relay is configured (MAILGATE_SMTP_URL), so mail to other servers cannot be sent"
MAX_IDEMPOTENCY_KEY = 255


def delivery_error(recipient: str, message: str) -> dict[str, Any]:
    return {"recipient": recipient, "message": message, "at": utcnow().isoformat()}


async def earlier_send(session: AsyncSession, viewer: Viewer, key: str) -> int | None:
    """The message a previous sendMessage with this idempotency key returned."""
    return (
        await session.execute(select(S.c.message_id).where(S.c.owner_id == viewer.user_id, S.c.key == key))
    ).scalar_one_or_none()


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
        raise BadUserInput("an idempotency key has 1 to 255 characters", argument="idempotencyKey")
    return key


async def _thread_for_reply(session: AsyncSession, viewer: Viewer, original: MessageRecord) -> str:
    """The original's thread; one is created (named after its subject) and the original
    joins it when it has none (mark_original then logs the change)."""
    if original.thread_id:
        return original.thread_id
    thread = await insert_thread(session, viewer.user_id, original.subject[:1024] or "(no subject)")
    await session.execute(update(M).where(M.c.id == original.id).values(thread_id=thread.id))
    original.thread_id = thread.id
    return thread.id


async def send_message(session: AsyncSession, services: Services, viewer: Viewer, c: Compose) -> int:
    """Send; returns the id of the sender's copy (the first one again for a known idempotency key)."""
    key = check_idempotency_key(c.idempotency_key)
    if key is not None:
        first = await earlier_send(session, viewer, key)
        if first is not None:
            return first

    me = await sender_of(session, viewer)
    draft = await own_draft(session, viewer, c.draft_id) if c.draft_id is not None else None
    to, cc, bcc, reply_to = compose_recipients(c, draft)
    if not (to or cc or bcc):
        raise BadUserInput("a message needs at least one recipient in to, cc or bcc", argument="to")

    # Bodies given replace the draft's; HTML given without text gets its text derived.
    body, html = await compose_bodies(session, c, draft)
    # Identity: From, Reply-To, Bcc and the signature, applied once (resolvers/identities.py).
    ident = await apply_identity(
        session, viewer, me, c.identity_id, draft, body=body, html_body=html, reply_to=reply_to, bcc=bcc
    )
    body, html, reply_to, bcc = ident.body, ident.html_body, ident.reply_to, ident.bcc

    # The message answered and the message forwarded: named, or remembered by the draft.
    replied = await own_message(session, viewer, c.in_reply_to_id) if c.in_reply_to_id is not None else None
    forwarded = await own_message(session, viewer, c.forward_of_id) if c.forward_of_id is not None else None
    in_reply_to = draft.in_reply_to if draft else None
    references = list(draft.references) if draft else []
    thread_id = draft.thread_id if draft else None
    if replied is None and draft is not None and draft.in_reply_to:
        replied = await message_by_header(session, viewer, draft.in_reply_to)
    if forwarded is None and draft is not None and not draft.in_reply_to and draft.references:
        forwarded = await message_by_header(session, viewer, draft.references[-1])
    replied_thread = replied.thread_id if replied is not None else None
    if replied is not None:
        in_reply_to, references = reply_headers(replied)
        thread_id = await _thread_for_reply(session, viewer, replied)
    elif forwarded is not None and c.forward_of_id is not None and forwarded.message_id_header:
        references = [forwarded.message_id_header]

    chosen = await chosen_attachments(session, viewer, c, draft, forwarded)

    now = utcnow()
    new = NewMessage(
        **compose_flags(c, draft),
        sender=ident.sender,
        body=body,
        html_body=html,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=reply_to,
        date=now,
        thread_id=thread_id,
        was_read=True,
        was_sent=True,
        message_id_header=new_message_id(services.mail_domain),
        in_reply_to=in_reply_to,
        references=references,
        attachments=new_attachments(chosen),
    )
    parts = await mime_parts(session, new.attachments)
    new.size = len(build(new, parts, include_bcc=True).as_bytes())
    delivered_size = len(build(new, parts, include_bcc=False).as_bytes())

    # Who is here and who is elsewhere; each address gets one copy.
    everyone: dict[str, Address] = {}
    for a in to + cc + bcc:
        everyone.setdefault(a.address.lower(), a)
    local = await users_by_email(session, list(everyone))
    external = [a.address for k, a in everyone.items() if k not in local]
    relay_configured = bool(services.smtp_url)
    errors = [delivery_error(r, NO_RELAY) for r in external] if not relay_configured else []
    if not external:
        new.delivery_status = DeliveryStatus.SENT
    elif relay_configured:
        new.delivery_status = DeliveryStatus.QUEUED
    else:
        new.delivery_status = DeliveryStatus.FAILED

    sent = await folder_by_role(session, viewer.user_id, "SENT")
    sent_id = await store_message(session, viewer.user_id, sent.id, new, domain=services.mail_domain)
    if errors:
        await session.execute(update(M).where(M.c.id == sent_id).values(delivery_errors=errors))

    for user in sorted(local.values(), key=lambda u: u.id):
        inbox = await folder_by_role(session, user.id, "INBOX")
        copy = NewMessage(
            subject=new.subject,
            sender=new.sender,
            body=new.body,
            html_body=new.html_body,
            to=new.to,
            cc=new.cc,
            bcc=[],  # what a recipient gets never names the Bcc recipients
            reply_to=new.reply_to,
            date=now,
            thread_id=thread_id,
            important=new.important,
            read_receipt_requested=new.read_receipt_requested,
            return_receipt_requested=new.return_receipt_requested,
            message_id_header=new.message_id_header,
            in_reply_to=new.in_reply_to,
            references=new.references,
            attachments=new.attachments,
            size=delivered_size,
        )
        await store_message(session, user.id, inbox.id, copy, domain=services.mail_domain)

    if external and relay_configured:
        await session.execute(
            insert(O),
            [
                {
                    "message_id": sent_id,
                    "recipient": r,
                    "status": DeliveryStatus.QUEUED,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                }
                for r in external
            ],
        )

    if replied is not None:
        await mark_original(session, replied, "was_replied", force=replied.thread_id != replied_thread)
    if forwarded is not None:
        await mark_original(session, forwarded, "was_forwarded")
    await consume_staged(session, viewer.user_id, [a.id for a in chosen if a.message_id is None])
    if draft is not None:
        await destroy_message(session, draft)
    if key is not None:
        await session.execute(insert(S).values(owner_id=viewer.user_id, key=key, message_id=sent_id, created_at=now))
    return sent_id
