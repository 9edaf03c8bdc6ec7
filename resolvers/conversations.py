"""Conversations: listed per folder from their stored counters, read with their
messages, and changed as a whole through the all-or-nothing bulk operations.

A folder listing reads ``conversation_folders`` by ``(folder_id, last_date,
conversation_id)`` joined to the conversations of the page: one statement,
whatever the page size or the folder's size. Counts, participants, snippet and
attachments are the whole conversation's, in every folder (as Gmail shows a
thread); the order in a folder is by the latest message of the conversation
in that folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Conversation, ConversationFolder, Folder, FolderRole, Message, table_of
from resolvers import bulk
from resolvers.errors import BadUserInput, not_found, parse_id, parse_ids
from resolvers.mailstore import folder_owned_by
from resolvers.messages import RECORD_COLUMNS
from resolvers.paging import decode_cursor, encode_cursor, page_request
from resolvers.records import ConversationRecord, MessageRecord, Page
from resolvers.viewer import Viewer

C = table_of(Conversation)
CF = table_of(ConversationFolder)
M = table_of(Message)
F = table_of(Folder)
ORDER = "conversations"
#: The most conversations one bulk call may name.
MAX_CONVERSATIONS = 200


@dataclass(slots=True)
class ConversationQuery:
    """What ConversationFilter asks for, over stored counters."""

    unread: bool | None = None
    important: bool | None = None
    has_attachments: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        for wanted, column in (
            (self.unread, C.c.unread_count),
            (self.important, C.c.important_count),
            (self.has_attachments, C.c.attachment_count),
        ):
            if wanted is not None:
                out.append(column > 0 if wanted else column == 0)
        return out


def _after(date_col: ColumnElement[datetime], id_col: ColumnElement[int], cursor: str) -> ColumnElement[bool]:
    value, ident = decode_cursor(cursor, ORDER)
    try:
        when, key = datetime.fromisoformat(str(value)), int(ident)
    except (TypeError, ValueError) as exc:
        raise BadUserInput("the cursor `after` is malformed") from exc
    return or_(date_col < when, and_(date_col == when, id_col < key))


def listing_statement(
    owner_id: int, folder_id: int | None, query: ConversationQuery | None, cursor: str | None, size: int
) -> Select[Any]:
    """The page's one statement: by (folder, latest there) when ``folder_id`` (checked to be the
    owner's) is given, else by (owner, latest); each served by an index in that order."""
    conditions = (query or ConversationQuery()).conditions()
    date_col: ColumnElement[datetime]
    id_col: ColumnElement[int]
    if folder_id is not None:
        date_col, id_col = CF.c.last_date, CF.c.conversation_id
        statement = (
            select(C, CF.c.last_date.label("listed_at"))
            .select_from(CF.join(C, C.c.id == CF.c.conversation_id))
            .where(CF.c.folder_id == folder_id, *conditions)
        )
    else:
        date_col, id_col = C.c.last_date, C.c.id
        statement = select(C, C.c.last_date.label("listed_at")).where(C.c.owner_id == owner_id, *conditions)
    if cursor is not None:
        statement = statement.where(_after(date_col, id_col, cursor))
    return statement.order_by(date_col.desc(), id_col.desc()).limit(size + 1)


async def list_conversations(
    session: AsyncSession,
    viewer: Viewer,
    folder_id: str | int | None,
    query: ConversationQuery | None = None,
    first: int | None = 50,
    after: str | None = None,
) -> Page[ConversationRecord]:
    """The viewer's conversations, newest first: those with a message in ``folder_id``, or all."""
    size, cursor, _ = page_request(first, after, None, ORDER)
    folder = None
    if folder_id is not None:
        folder = (await folder_owned_by(session, parse_id(folder_id, "Folder"), viewer.user_id)).id
    statement = listing_statement(viewer.user_id, folder, query, cursor, size)
    rows = (await session.execute(statement)).mappings().all()
    items = [ConversationRecord.from_row(r) for r in rows[:size]]
    cursors = [encode_cursor(ORDER, r["listed_at"].isoformat(), r["id"]) for r in rows[:size]]
    return Page(items, cursors, has_next_page=len(rows) > size, has_previous_page=cursor is not None)


async def get_conversation(session: AsyncSession, viewer: Viewer, conversation_id: str | int) -> ConversationRecord:
    """The viewer's conversation; NOT_FOUND for a missing id and for someone else's."""
    cid = parse_id(conversation_id, "Conversation")
    row = (await session.execute(select(C).where(C.c.id == cid, C.c.owner_id == viewer.user_id))).mappings().first()
    if row is None:
        raise not_found("Conversation", conversation_id)
    return ConversationRecord.from_row(row)


async def messages_of_conversations(
    session: AsyncSession, viewer: Viewer, conversation_ids: Sequence[int]
) -> dict[int, list[MessageRecord]]:
    """The viewer's messages of these conversations, oldest first (one statement for a page)."""
    out: dict[int, list[MessageRecord]] = {cid: [] for cid in conversation_ids}
    if not conversation_ids:
        return out
    rows = (
        await session.execute(
            select(*RECORD_COLUMNS)
            .where(M.c.conversation_id.in_(list(conversation_ids)), M.c.owner_id == viewer.user_id)
            .order_by(M.c.conversation_id, M.c.date, M.c.id)
        )
    ).mappings()
    for row in rows:
        out[row["conversation_id"]].append(MessageRecord.from_row(row))
    return out


async def _message_ids(
    session: AsyncSession, viewer: Viewer, ids: Sequence[str | int], *, keep_sent: bool = False
) -> list[int]:
    """The messages of the viewer's conversations ``ids``; NOT_FOUND unless every one is the viewer's.

    ``keep_sent`` leaves the copies in Sent and Drafts out (a moved conversation's sent mail stays sent).
    """
    if not ids:
        raise BadUserInput("name at least one conversation", argument="ids")
    wanted = parse_ids(list(ids), "Conversation")  # type: ignore[arg-type]
    if len(wanted) > MAX_CONVERSATIONS:
        raise BadUserInput(f"name at most {MAX_CONVERSATIONS} conversations at once", argument="ids")
    owned = set(
        (await session.execute(select(C.c.id).where(C.c.id.in_(wanted), C.c.owner_id == viewer.user_id)))
        .scalars()
        .all()
    )
    for cid in wanted:
        if cid not in owned:
            raise not_found("Conversation", cid)
    statement = select(M.c.id).where(M.c.conversation_id.in_(wanted), M.c.owner_id == viewer.user_id)
    if keep_sent:
        statement = statement.join(F, F.c.id == M.c.folder_id).where(
            or_(F.c.role.is_(None), F.c.role.not_in([FolderRole.SENT, FolderRole.DRAFTS]))
        )
    return sorted(int(i) for i in (await session.execute(statement)).scalars().all())


def _nothing() -> bulk.BulkOutcome:
    return bulk.BulkOutcome([], [], [], [])


async def mark_read(
    session: AsyncSession, viewer: Viewer, ids: Sequence[str | int], was_read: bool = True
) -> bulk.BulkOutcome:
    """Every message of the conversations read (or unread)."""
    return await bulk.mark_read(session, viewer, await _message_ids(session, viewer, ids), was_read)


async def mark_important(
    session: AsyncSession, viewer: Viewer, ids: Sequence[str | int], important: bool = True
) -> bulk.BulkOutcome:
    """Every message of the conversations flagged important (or not)."""
    return await bulk.mark_important(session, viewer, await _message_ids(session, viewer, ids), important)


async def move(
    session: AsyncSession, viewer: Viewer, ids: Sequence[str | int], to_folder_id: str | int
) -> bulk.BulkOutcome:
    """The conversations' messages move to ``to_folder_id``, but for the copies in Sent and Drafts."""
    message_ids = await _message_ids(session, viewer, ids, keep_sent=True)
    if not message_ids:
        await bulk.owned_folder(session, viewer, to_folder_id)  # still NOT_FOUND for a wrong folder
        return _nothing()
    return await bulk.move_messages(session, viewer, message_ids, to_folder_id)


async def delete(
    session: AsyncSession, viewer: Viewer, ids: Sequence[str | int], permanent: bool = False
) -> bulk.BulkOutcome:
    """Every message of the conversations to Trash, or destroyed (in Trash already, or ``permanent``)."""
    return await bulk.delete_messages(session, viewer, await _message_ids(session, viewer, ids), None, permanent)


async def set_labels(
    session: AsyncSession,
    viewer: Viewer,
    ids: Sequence[str | int],
    add: Sequence[str | int] = (),
    remove: Sequence[str | int] = (),
) -> bulk.BulkOutcome:
    """Labels added to and removed from every message of the conversations."""
    return await bulk.set_labels(session, viewer, await _message_ids(session, viewer, ids), add, remove)
