"""Which conversation an arriving message of an owner joins.

In order: the conversation of the owner's message it answers (In-Reply-To,
then References newest first); of a stored copy with the same Message-ID (the
sender's own copy of mail to themselves); of a stored message that answers it
(mail imported out of order); of a message in the same MailThread. Mail with
neither In-Reply-To nor References joins the owner's conversation with the
same normalized subject (Re:/Fwd:/Ответ: prefixes stripped, casefolded,
without diacritics) whose latest message is within ``SUBJECT_WINDOW`` of it.
Otherwise a new conversation is made. Two conversations that one message
links are not merged: it joins the better-ranked one.

``assign_conversation`` is what ``store_message`` calls for each message; a
batched arrival path can call it per message too, before its own insert.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Conversation, Message, table_of
from db.types import utcnow
from resolvers.search import fold
from resolvers.subjects import thread_name

M = table_of(Message)
C = table_of(Conversation)

#: How far apart two mails without reply headers may be and still join by subject.
SUBJECT_WINDOW = timedelta(days=7)


def subject_key(subject: str) -> str:
    """The subject as joining compares it; empty for mail without a real subject."""
    name = thread_name(subject)
    if name == "(no subject)":
        return ""
    return " ".join(fold(name).split())[:255]


async def _by_headers(
    session: AsyncSession,
    owner_id: int,
    message_id: str | None,
    in_reply_to: str | None,
    references: list[str],
    thread_id: str | None,
) -> int | None:
    answered = [r for r in dict.fromkeys([in_reply_to, *reversed(references)]) if r]
    wanted = answered + ([message_id] if message_id and message_id not in answered else [])
    conditions: list[ColumnElement[bool]] = []
    if wanted:
        conditions.append(M.c.message_id_header.in_(wanted))
    if message_id:
        conditions.append(M.c.in_reply_to == message_id)
    if thread_id:
        conditions.append(M.c.thread_id == thread_id)
    if not conditions:
        return None
    rows = (
        await session.execute(
            select(M.c.message_id_header, M.c.in_reply_to, M.c.thread_id, M.c.conversation_id)
            .where(M.c.owner_id == owner_id, M.c.conversation_id.is_not(None), or_(*conditions))
            .order_by(M.c.id)
        )
    ).all()
    if not rows:
        return None

    def rank(row: tuple[str | None, str | None, str | None, int]) -> int:
        header, replying_to, _thread, _ = row
        if header in wanted:
            return wanted.index(header)
        if message_id and replying_to == message_id:
            return len(wanted)
        return len(wanted) + 1  # same MailThread

    return int(min(rows, key=rank)[3])


async def _by_subject(session: AsyncSession, owner_id: int, key: str, date: datetime) -> int | None:
    row = (
        await session.execute(
            select(C.c.id)
            .where(
                C.c.owner_id == owner_id,
                C.c.subject_key == key,
                C.c.last_date >= date - SUBJECT_WINDOW,
                C.c.last_date <= date + SUBJECT_WINDOW,
            )
            .order_by(C.c.last_date.desc(), C.c.id.desc())
            .limit(1)
        )
    ).first()
    return int(row[0]) if row else None


async def assign_conversation(
    session: AsyncSession,
    owner_id: int,
    *,
    subject: str,
    date: datetime | None,
    message_id: str | None,
    in_reply_to: str | None,
    references: list[str],
    thread_id: str | None = None,
) -> int:
    """The id of the conversation a new message of ``owner_id`` joins; made when there is none.

    The conversation's counters are not moved here: the change log's
    ``record_changes`` recomputes them for every conversation its entries touch.
    """
    found = await _by_headers(session, owner_id, message_id, in_reply_to, references, thread_id)
    if found is not None:
        return found
    when = date or utcnow()
    key = subject_key(subject)
    if key and not in_reply_to and not references:
        found = await _by_subject(session, owner_id, key, when)
        if found is not None:
            return found
    now = utcnow()
    return int(
        (
            await session.execute(
                insert(C)
                .values(
                    owner_id=owner_id,
                    subject=thread_name(subject),
                    subject_key=key,
                    message_count=0,
                    unread_count=0,
                    important_count=0,
                    attachment_count=0,
                    last_date=when,
                    snippet="",
                    participants=[],
                    updated_at=now,
                )
                .returning(C.c.id)
            )
        ).scalar_one()
    )
