"""Saving drafts: a new draft is stored in Drafts, a draft saved again is updated in place.

A draft is a message of its owner with ``is_draft`` set, stored in Drafts through
``store_message`` and updated in place (its id never changes). What it holds comes from
resolvers/compose.py, as for a send.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attachment, ChangeKind, Message, MessageBody, MessageLabel, table_of
from db.types import utcnow
from resolvers.blobs import free_unreferenced
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.compose import Compose, attachments_of_message, compose_message
from resolvers.counters import CounterDeltas
from resolvers.mailbox import folder_by_role
from resolvers.mailstore import header_columns, people_of, store_message
from resolvers.records import MessageRecord
from resolvers.search import index_message, unindex_messages
from resolvers.services import Services
from resolvers.uploads import consume_staged
from resolvers.viewer import Viewer

M = table_of(Message)
B = table_of(MessageBody)
A = table_of(Attachment)


async def save_draft(session: AsyncSession, services: Services, viewer: Viewer, c: Compose) -> int:
    """Create a draft, or update the one named by ``c.draft_id``; returns its id."""
    composed = await compose_message(session, services, viewer, c, sending=False)
    new, draft, chosen = composed.new, composed.draft, composed.chosen

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


async def destroy_message(session: AsyncSession, rec: MessageRecord) -> None:
    """Delete a message for good: counters, search index, change log, and blobs nothing uses."""
    ml = table_of(MessageLabel)
    label_ids = [r[0] for r in await session.execute(select(ml.c.label_id).where(ml.c.message_id == rec.id))]
    digests = [r[0] for r in await session.execute(select(A.c.blob_sha256).where(A.c.message_id == rec.id))]
    deltas = CounterDeltas()
    deltas.add_message(rec.folder_id, label_ids, unread=not rec.was_read, sign=-1)
    await unindex_messages(session, [rec.id])
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
