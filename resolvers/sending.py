"""sendMessage: the sender's copy in Sent, internal recipients' copies in their
Inbox at once, external recipients queued in the outbox for the relay worker.

Everything happens in the caller's unit of work: every copy through
``store_message`` (counters, search index, change log), the original marked
replied or forwarded, the draft destroyed, the staged uploads consumed, the
outbox rows and the idempotency key written, or none of it. What is sent comes
from resolvers/compose.py, as for a draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChangeKind, DeliveryStatus, Message, OutboxEntry, SentRequest, table_of
from db.types import utcnow
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.compose import Compose, Composed, build, compose_message
from resolvers.drafts import destroy_message
from resolvers.errors import BadUserInput
from resolvers.mailbox import folder_by_role
from resolvers.mailstore import Address, NewMessage, store_message
from resolvers.records import MessageRecord, UserRecord
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
    """One entry of a message's delivery_errors."""
    return {"recipient": recipient, "message": message, "at": utcnow().isoformat()}


async def earlier_send(session: AsyncSession, viewer: Viewer, key: str) -> int | None:
    """The message a previous sendMessage with this idempotency key returned."""
    return (
        await session.execute(select(S.c.message_id).where(S.c.owner_id == viewer.user_id, S.c.key == key))
    ).scalar_one_or_none()


def check_idempotency_key(key: str | None) -> str | None:
    """The key as given; BAD_USER_INPUT when it is blank or too long."""
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
        raise BadUserInput("an idempotency key has 1 to 255 characters", argument="idempotencyKey")
    return key


@dataclass(slots=True)
class Routes:
    """Who gets the message where: local users' Inboxes, and addresses elsewhere."""

    local: dict[str, UserRecord]
    external: list[str]
    relay_configured: bool
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The sender's copy's delivery status before the relay worker runs."""
        if not self.external:
            return DeliveryStatus.SENT
        return DeliveryStatus.QUEUED if self.relay_configured else DeliveryStatus.FAILED


async def route(session: AsyncSession, services: Services, new: NewMessage) -> Routes:
    """Split the recipients into local users and external addresses; each address gets one copy."""
    everyone: dict[str, Address] = {}
    for a in new.to + new.cc + new.bcc:
        everyone.setdefault(a.address.lower(), a)
    local = await users_by_email(session, list(everyone))
    external = [a.address for k, a in everyone.items() if k not in local]
    relay_configured = bool(services.smtp_url)
    errors = [delivery_error(r, NO_RELAY) for r in external] if not relay_configured else []
    return Routes(local, external, relay_configured, errors)


async def join_thread(session: AsyncSession, viewer: Viewer, composed: Composed) -> None:
    """An answer joins the original's thread; one is created (named after the original's
    subject) and the original joins it when it has none (settle then logs the change)."""
    original = composed.originals.replied
    if original is None or original.thread_id:
        return
    thread = await insert_thread(session, viewer.user_id, original.subject[:1024] or "(no subject)")
    await session.execute(update(M).where(M.c.id == original.id).values(thread_id=thread.id))
    original.thread_id = composed.originals.thread_id = composed.new.thread_id = thread.id


async def store_sender_copy(
    session: AsyncSession, services: Services, viewer: Viewer, new: NewMessage, routes: Routes
) -> int:
    """The sender's copy in Sent, with its delivery status (and errors, when nothing can relay)."""
    new.delivery_status = routes.status
    sent = await folder_by_role(session, viewer.user_id, "SENT")
    sent_id = await store_message(session, viewer.user_id, sent.id, new, domain=services.mail_domain)
    if routes.errors:
        await session.execute(update(M).where(M.c.id == sent_id).values(delivery_errors=routes.errors))
    return sent_id


async def deliver_locally(session: AsyncSession, services: Services, composed: Composed, routes: Routes) -> None:
    """A copy in each local recipient's Inbox, as delivered: without Bcc, sized without it."""
    new = composed.new
    delivered_size = len(build(new, composed.parts, include_bcc=False).as_bytes())
    for user in sorted(routes.local.values(), key=lambda u: u.id):
        inbox = await folder_by_role(session, user.id, "INBOX")
        copy = replace(
            new,
            bcc=[],  # what a recipient gets never names the Bcc recipients
            was_read=False,
            was_sent=False,
            delivery_status="NONE",
            size=delivered_size,
        )
        await store_message(session, user.id, inbox.id, copy, domain=services.mail_domain)


async def queue_external(session: AsyncSession, sent_id: int, routes: Routes, composed: Composed) -> None:
    """Outbox rows for the relay worker, one per external recipient (none when nothing can relay)."""
    if not (routes.external and routes.relay_configured):
        return
    await session.execute(
        insert(O),
        [
            {
                "message_id": sent_id,
                "recipient": r,
                "status": DeliveryStatus.QUEUED,
                "attempts": 0,
                "next_attempt_at": composed.new.date,
                "last_error": None,
            }
            for r in routes.external
        ],
    )


async def mark_original(session: AsyncSession, rec: MessageRecord, column: str, *, force: bool = False) -> None:
    """Set was_replied or was_forwarded on the viewer's original, logged as a change."""
    if getattr(rec, column) and not force:
        return
    await session.execute(update(M).where(M.c.id == rec.id).values({column: True, "updated_at": utcnow()}))
    await record_changes(session, rec.owner_id, [ChangeEntry(ChangeKind.UPDATED, rec.id, rec.folder_id)])


async def settle(session: AsyncSession, viewer: Viewer, composed: Composed, sent_id: int, key: str | None) -> None:
    """After the copies: originals marked, staged uploads consumed, the draft gone, the key kept."""
    o = composed.originals
    if o.replied is not None:
        await mark_original(session, o.replied, "was_replied", force=o.replied.thread_id != o.replied_thread)
    if o.forwarded is not None:
        await mark_original(session, o.forwarded, "was_forwarded")
    await consume_staged(session, viewer.user_id, [a.id for a in composed.chosen if a.message_id is None])
    if composed.draft is not None:
        await destroy_message(session, composed.draft)
    if key is not None:
        await session.execute(
            insert(S).values(owner_id=viewer.user_id, key=key, message_id=sent_id, created_at=composed.new.date)
        )


async def send_message(session: AsyncSession, services: Services, viewer: Viewer, c: Compose) -> int:
    """Send; returns the id of the sender's copy (the first one again for a known idempotency key)."""
    key = check_idempotency_key(c.idempotency_key)
    if key is not None and (first := await earlier_send(session, viewer, key)) is not None:
        return first
    composed = await compose_message(session, services, viewer, c, sending=True)
    await join_thread(session, viewer, composed)
    routes = await route(session, services, composed.new)
    sent_id = await store_sender_copy(session, services, viewer, composed.new, routes)
    await deliver_locally(session, services, composed, routes)
    await queue_external(session, sent_id, routes, composed)
    await settle(session, viewer, composed, sent_id, key)
    return sent_id
