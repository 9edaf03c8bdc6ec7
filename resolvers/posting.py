"""Posting on a mail thread (Odoo's message_post and notify), and handing staged uploads to a thread.

A post is stored as one copy per person, each through ``store_message``
(counters, search index, change log of its owner), all sharing one
Message-ID and the thread:

- the author's copy goes to the author's Sent folder, read: it is what the
  author wrote, so it never counts in their messageNeedactionCounter;
- every recipient's copy goes to their Inbox, unread: it counts in their
  messageNeedactionCounter until they read it.

Attachments of a post are copied per copy (a new attachment row of each owner
on the same blob, as sendMessage does) and the staged uploads are consumed, so
each recipient sees them on their own message and in their thread counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, DeliveryStatus, MailThread, MessageKind, User, table_of
from db.types import utcnow
from resolvers.compose import attachments_for, bodies, build, mime_parts, new_attachments
from resolvers.errors import BadUserInput, parse_ids
from resolvers.mailbox import folder_by_role
from resolvers.mailstore import Address, NewMessage, new_message_id, store_message
from resolvers.records import AttachmentRecord, MailThreadRecord, UserRecord
from resolvers.threads import check_users, follower_ids, get_thread
from resolvers.uploads import consume_staged
from resolvers.viewer import Viewer

A = table_of(Attachment)
T = table_of(MailThread)
U = table_of(User)

MAX_SUBJECT = 998


@dataclass(slots=True)
class Post:
    """What is posted on a thread, whoever gets it."""

    kind: str
    subject: str
    body: str
    html_body: str | None = None
    tracking_values: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[AttachmentRecord] = field(default_factory=list)


async def touch(session: AsyncSession, thread_id: str) -> None:
    """The thread changed: bump its updated_at."""
    await session.execute(update(T).where(T.c.id == thread_id).values(updated_at=utcnow()))


async def _users(session: AsyncSession, ids: list[int]) -> dict[int, UserRecord]:
    rows = (await session.execute(select(U.c.id, U.c.login, U.c.name, U.c.email).where(U.c.id.in_(ids)))).mappings()
    return {row["id"]: UserRecord.from_row(row) for row in rows}


def _subject(subject: str | None, thread: MailThreadRecord) -> str:
    text = " ".join((subject or "").split())
    return (text or thread.name)[:MAX_SUBJECT]


async def deliver_post(
    session: AsyncSession,
    thread: MailThreadRecord,
    author_id: int,
    recipient_ids: list[int],
    post: Post,
    *,
    domain: str,
) -> int:
    """Store ``post`` for its author (Sent, read) and each recipient (Inbox, unread);
    returns the id of the author's copy. Recipients are distinct users, not the author."""
    recipients = [uid for uid in dict.fromkeys(recipient_ids) if uid != author_id]
    people = await _users(session, [author_id, *recipients])
    author = people[author_id]
    new = NewMessage(
        subject=post.subject,
        sender=Address(author.email, author.name),
        body=post.body,
        html_body=post.html_body,
        to=[Address(people[uid].email, people[uid].name) for uid in recipients],
        date=utcnow(),
        kind=post.kind,
        thread_id=thread.id,
        was_read=True,
        was_sent=True,
        delivery_status=DeliveryStatus.SENT,
        message_id_header=new_message_id(domain),
        tracking_values=list(post.tracking_values),
        attachments=new_attachments(post.attachments),
        author_id=author_id,
    )
    new.size = len(build(new, await mime_parts(session, new.attachments), include_bcc=False).as_bytes())
    sent = await folder_by_role(session, author_id, "SENT")
    author_copy = await store_message(session, author_id, sent.id, new, domain=domain)
    for uid in recipients:
        inbox = await folder_by_role(session, uid, "INBOX")
        new.was_read = False
        new.was_sent = False
        new.delivery_status = DeliveryStatus.NONE
        await store_message(session, uid, inbox.id, new, domain=domain)
    await touch(session, thread.id)
    return author_copy


async def post_message(
    session: AsyncSession,
    viewer: Viewer,
    thread_id: str,
    *,
    subject: str | None,
    body: str | None,
    html_body: str | None,
    attachment_ids: list[str] | None,
    partner_ids: list[str] | None,
    domain: str,
) -> int:
    """postMessage: a COMMENT for every follower but the author, and for ``partner_ids``."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    partners = await check_users(session, parse_ids(partner_ids or [], "User"))
    files = await attachments_for(session, viewer, attachment_ids or [], [])
    text, html = bodies(body, html_body)
    if not text.strip() and not html and not files:
        raise BadUserInput("a post needs a body or an attachment", argument="input")
    recipients = [*await follower_ids(session, thread.id), *partners]
    post = Post(MessageKind.COMMENT, _subject(subject, thread), text, html, attachments=files)
    message_id = await deliver_post(session, thread, viewer.user_id, recipients, post, domain=domain)
    await consume_staged(session, viewer.user_id, [a.id for a in files])
    return message_id


async def notify(
    session: AsyncSession,
    viewer: Viewer,
    thread_id: str,
    *,
    subject: str | None,
    body: str,
    recipient_ids: list[str],
    domain: str,
) -> int:
    """notify: a NOTIFICATION for the given users only, followers or not."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    recipients = await check_users(session, parse_ids(recipient_ids, "User"))
    if not recipients:
        raise BadUserInput("notify needs at least one recipient", argument="recipientIds")
    text, _ = bodies(body, None)
    if not text.strip():
        raise BadUserInput("a notification needs a body", argument="body")
    post = Post(MessageKind.NOTIFICATION, _subject(subject, thread), text)
    return await deliver_post(session, thread, viewer.user_id, recipients, post, domain=domain)


async def hand_over(session: AsyncSession, viewer: Viewer, thread_id: str, attachment_ids: list[str]) -> list[int]:
    """Staged uploads of the viewer become attachments of the thread; NOT_FOUND for any
    other id (someone else's, or one a message or a thread uses already)."""
    files = await attachments_for(session, viewer, attachment_ids, [])
    ids = [a.id for a in files]
    if ids:
        await session.execute(
            update(A)
            .where(A.c.id.in_(ids), A.c.message_id.is_(None), A.c.mail_thread_id.is_(None))
            .values(mail_thread_id=thread_id)
        )
    return ids


async def process_attachments_for_post(
    session: AsyncSession, viewer: Viewer, thread_id: str, attachment_ids: list[str]
) -> str:
    """processAttachmentsForPost: hand staged uploads over; returns the thread id."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    if await hand_over(session, viewer, thread.id, attachment_ids):
        await touch(session, thread.id)
    return thread.id
