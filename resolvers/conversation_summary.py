"""Keeping each conversation's stored counters equal to its messages.

``record_changes`` calls ``refresh_for_changes`` in every unit of work that
changes messages, after it has locked the owner's row (so one owner's
refreshes run one after the other and each sees the previous one's commit).
The touched conversations are recomputed from their messages: a bounded read
(a conversation's messages, by ``ix_messages_conversation``) instead of
deltas threaded through every write path. A message that is destroyed is gone
by then, so the paths that destroy messages note its conversation first with
``note_destroyed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Conversation, ConversationFolder, Message, table_of
from db.types import utcnow

M = table_of(Message)
C = table_of(Conversation)
CF = table_of(ConversationFolder)

#: Key in ``session.info``: message id -> conversation id of messages destroyed in this unit of work.
DESTROYED = "mailgate.destroyed_conversations"
#: The most participants a conversation keeps.
MAX_PARTICIPANTS = 20


async def note_destroyed(session: AsyncSession, message_ids: Iterable[int]) -> None:
    """Remember the conversations of messages about to be destroyed (one statement)."""
    ids = sorted(set(message_ids))
    if not ids:
        return
    rows = (await session.execute(select(M.c.id, M.c.conversation_id).where(M.c.id.in_(ids)))).all()
    session.info.setdefault(DESTROYED, {}).update({int(r[0]): r[1] for r in rows if r[1] is not None})


@dataclass(slots=True)
class _Summary:
    message_count: int = 0
    unread_count: int = 0
    important_count: int = 0
    attachment_count: int = 0
    latest: Any = None
    participants: list[dict[str, Any]] = field(default_factory=list)
    folders: dict[int, list[Any]] = field(default_factory=dict)


def _summarize(rows: Iterable[Any]) -> dict[int, _Summary]:
    """Rows of (conversation_id, id, folder_id, date, ...) in date order -> one summary each."""
    out: dict[int, _Summary] = {}
    for r in rows:
        s = out.setdefault(r.conversation_id, _Summary())
        s.message_count += 1
        s.unread_count += 0 if r.was_read else 1
        s.important_count += 1 if r.important else 0
        s.attachment_count += 1 if r.has_attachments else 0
        s.latest = r
        sender = (r.from_address or "").lower()
        if (
            sender
            and len(s.participants) < MAX_PARTICIPANTS
            and all(p["address"].lower() != sender for p in s.participants)
        ):
            s.participants.append({"name": r.from_name, "address": r.from_address})
        f = s.folders.setdefault(r.folder_id, [0, 0, r.date])
        f[0] += 1
        f[1] += 0 if r.was_read else 1
        f[2] = max(f[2], r.date)
    return out


async def refresh(session: AsyncSession, conversation_ids: Iterable[int]) -> None:
    """Recompute the counters, latest message, participants and folder rows of conversations;
    a conversation left without messages is removed."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return
    rows = (
        await session.execute(
            select(
                M.c.conversation_id,
                M.c.id,
                M.c.folder_id,
                M.c.date,
                M.c.was_read,
                M.c.important,
                M.c.has_attachments,
                M.c.from_name,
                M.c.from_address,
                M.c.preview,
            )
            .where(M.c.conversation_id.in_(ids))
            .order_by(M.c.conversation_id, M.c.date, M.c.id)
        )
    ).all()
    summaries = _summarize(rows)
    await session.execute(delete(CF).where(CF.c.conversation_id.in_(ids)))
    folder_rows = [
        {"conversation_id": cid, "folder_id": fid, "message_count": n, "unread_count": u, "last_date": last}
        for cid, s in sorted(summaries.items())
        for fid, (n, u, last) in sorted(s.folders.items())
    ]
    if folder_rows:
        await session.execute(insert(CF), folder_rows)
    now = utcnow()
    updates = [_values(cid, s, now) for cid, s in sorted(summaries.items())]
    if updates:
        await session.execute(
            update(C)
            .where(C.c.id == bindparam("cid"))
            .values({k: bindparam(k) for k in updates[0] if k != "cid"})
            .execution_options(synchronize_session=False),
            updates,
        )
    empty = [cid for cid in ids if cid not in summaries]
    if empty:
        await session.execute(delete(C).where(C.c.id.in_(empty)))


def _values(cid: int, s: _Summary, now: datetime) -> dict[str, Any]:
    return {
        "cid": cid,
        "message_count": s.message_count,
        "unread_count": s.unread_count,
        "important_count": s.important_count,
        "attachment_count": s.attachment_count,
        "latest_message_id": s.latest.id,
        "last_date": s.latest.date,
        "snippet": s.latest.preview or "",
        "participants": s.participants,
        "updated_at": now,
    }


async def refresh_for_changes(session: AsyncSession, message_ids: Iterable[int]) -> dict[int, int]:
    """Refresh the conversations of these changed (or destroyed) messages; returns
    message id -> conversation id, for the change log."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    destroyed: dict[int, int] = session.info.pop(DESTROYED, {})
    rows = (await session.execute(select(M.c.id, M.c.conversation_id).where(M.c.id.in_(ids)))).all()
    found = {int(mid): cid for mid, cid in rows}
    wanted = set(ids)
    of = {mid: cid for mid, cid in {**destroyed, **found}.items() if cid is not None and mid in wanted}
    await refresh(session, set(of.values()) | set(destroyed.values()))
    return of
