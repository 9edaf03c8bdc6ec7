"""Reading messages: one message, and a filtered, ordered, paged listing."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_name
from db.models import Folder, Label, Message, MessageLabel, table_of
from resolvers.errors import BadUserInput, not_found, parse_id
from resolvers.paging import Keyset, keyset_page, page_request
from resolvers.records import FolderRecord, MessageRecord, Page
from resolvers.search import SearchPart, matching_ids
from resolvers.viewer import Viewer

M = table_of(Message)
_MIN_BIGINT, _MAX_BIGINT = -(2**63), 2**63 - 1
#: The columns a MessageRecord holds: listings leave the filter-only texts behind.
RECORD_COLUMNS = tuple(M.c[f.name] for f in fields(MessageRecord) if f.name in M.c)


class OrderField(enum.StrEnum):
    DATE = "DATE"
    SUBJECT = "SUBJECT"
    FROM = "FROM"
    SIZE = "SIZE"


_SORT_COLUMN = {
    OrderField.DATE: M.c.date,
    OrderField.SUBJECT: M.c.subject_sort,
    OrderField.FROM: M.c.from_sort,
    OrderField.SIZE: M.c.size,
}
_SORT_ATTR = {
    OrderField.DATE: "date",
    OrderField.SUBJECT: "subject_sort",
    OrderField.FROM: "from_sort",
    OrderField.SIZE: "size",
}


@dataclass(slots=True)
class MessageQuery:
    """What MessageFilter asks for, in resolver terms."""

    query: str | None = None
    subject: str | None = None
    body: str | None = None
    sender: str | None = None
    recipient: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    label_ids: list[str] | None = None
    was_read: bool | None = None
    important: bool | None = None
    has_attachments: bool | None = None
    thread_id: str | None = None
    min_size: int | None = None
    max_size: int | None = None

    def is_empty(self) -> bool:
        """Whether no filter is set: every field of the dataclass, so a new filter is never left out."""
        return all(getattr(self, f.name) in (None, "", []) for f in fields(self))


@dataclass(frozen=True, slots=True)
class MessageOrdering:
    field: OrderField = OrderField.DATE
    descending: bool = True

    @property
    def name(self) -> str:
        return f"m:{self.field}:{'d' if self.descending else 'a'}"


async def get_message(session: AsyncSession, viewer: Viewer, message_id: str | int) -> MessageRecord:
    """One of the viewer's messages; NOT_FOUND for a missing id and for someone else's."""
    ident = parse_id(message_id, "Message")
    statement = select(*RECORD_COLUMNS).where(M.c.id == ident, M.c.owner_id == viewer.user_id)
    row = (await session.execute(statement)).mappings().first()
    if row is None:
        raise not_found("Message", message_id)
    return MessageRecord.from_row(row)


async def _conditions(
    session: AsyncSession,
    viewer: Viewer,
    folder: FolderRecord | None,
    q: MessageQuery,
    *,
    every_folder: bool = False,
) -> list[ColumnElement[bool]]:
    dialect = dialect_name(session)
    conds: list[ColumnElement[bool]] = []
    if folder is not None:
        # The folder is the viewer's (checked by whoever loaded it), so its messages are too:
        # filtering on the folder alone lets (folder_id, sort key, id) serve the page. With
        # owner_id as well, PostgreSQL ANDs two indexes and sorts the whole folder.
        if folder.owner_id != viewer.user_id:
            raise not_found("Folder", folder.id)
        conds.append(M.c.folder_id == folder.id)
    else:
        conds.append(M.c.owner_id == viewer.user_id)
    if folder is None and not every_folder:
        conds.append(
            M.c.folder_id.not_in(
                select(table_of(Folder).c.id).where(
                    table_of(Folder).c.owner_id == viewer.user_id,
                    table_of(Folder).c.role.in_(("TRASH", "JUNK")),
                )
            )
        )
    for param, value, part in (
        ("q_any", q.query, SearchPart.ANY),
        ("q_subject", q.subject, SearchPart.SUBJECT),
        ("q_body", q.body, SearchPart.BODY),
    ):
        if value is None:
            continue
        cond = matching_ids(dialect, value, part, param)
        if cond is not None:
            conds.append(cond)
    if q.sender:
        conds.append(M.c.from_text.contains(q.sender.strip().casefold(), autoescape=True))
    if q.recipient:
        conds.append(M.c.to_text.contains(q.recipient.strip().casefold(), autoescape=True))
    start, end = _utc(q.start_date, "startDate"), _utc(q.end_date, "endDate")
    if start is not None and end is not None and start > end:
        raise BadUserInput("startDate is after endDate", argument="filter")
    if start is not None:
        conds.append(M.c.date >= start)
    if end is not None:
        conds.append(M.c.date <= end)
    if q.label_ids:
        label_ids = [parse_id(x, "Label") for x in q.label_ids]
        labels = table_of(Label)
        known = {
            r[0]
            for r in await session.execute(
                select(labels.c.id).where(labels.c.id.in_(label_ids), labels.c.owner_id == viewer.user_id)
            )
        }
        for lid in label_ids:
            if lid not in known:
                raise not_found("Label", lid)
        ml = table_of(MessageLabel)
        for lid in sorted(set(label_ids)):
            conds.append(exists().where(ml.c.message_id == M.c.id, ml.c.label_id == lid))
    if q.was_read is not None:
        conds.append(M.c.was_read == q.was_read)
    if q.important is not None:
        conds.append(M.c.important == q.important)
    if q.has_attachments is not None:
        conds.append(M.c.has_attachments == q.has_attachments)
    if q.thread_id is not None:
        conds.append(M.c.thread_id == str(q.thread_id))
    for size_name, size_value in (("minSize", q.min_size), ("maxSize", q.max_size)):
        if size_value is not None and size_value < 0:
            raise BadUserInput(f"{size_name} cannot be negative", argument="filter")
    if q.min_size is not None and q.max_size is not None and q.min_size > q.max_size:
        raise BadUserInput("minSize is larger than maxSize", argument="filter")
    if q.min_size is not None:
        conds.append(M.c.size >= q.min_size)
    if q.max_size is not None:
        conds.append(M.c.size <= q.max_size)
    return conds


def _utc(value: datetime | None, name: str) -> datetime | None:
    """A filter date as an aware UTC datetime (one without an offset is taken as UTC)."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise BadUserInput(f"{name} is out of range", argument="filter") from exc


def _bounded(value: Any) -> int:
    """An integer from a cursor that fits a BIGINT column."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(value)
    number = int(value)
    if not _MIN_BIGINT <= number <= _MAX_BIGINT:
        raise ValueError(value)
    return number


def _position(rec: MessageRecord, order: MessageOrdering) -> tuple[Any, int]:
    value = getattr(rec, _SORT_ATTR[order.field])
    return (value.isoformat() if isinstance(value, datetime) else value), rec.id


def _decode(order: MessageOrdering, value: Any, ident: Any) -> tuple[Any, int]:
    """A cursor's (sort value, id), checked and typed for the sort column."""
    try:
        if order.field is OrderField.DATE:
            value = datetime.fromisoformat(value)
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        elif order.field is OrderField.SIZE:
            value = _bounded(value)
        elif not isinstance(value, str):
            raise TypeError(value)
        return value, _bounded(ident)
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadUserInput("the cursor `after` is malformed", argument="after") from exc


async def list_messages(
    session: AsyncSession,
    viewer: Viewer,
    folder: FolderRecord | None,
    q: MessageQuery | None = None,
    order: MessageOrdering | None = None,
    *,
    first: int | None = 50,
    after: str | None = None,
    offset: int | None = None,
    with_totals: bool = False,
    every_folder: bool = False,
) -> Page[MessageRecord]:
    """A page of the viewer's messages in ``folder`` (every folder but Trash and Junk
    when None, or every folder with ``every_folder``). ``folder`` must already be
    known to be the viewer's."""
    q = q or MessageQuery()
    order = order or MessageOrdering()
    size, after, skip = page_request(first, after, offset, order.name)
    conds = await _conditions(session, viewer, folder, q, every_folder=every_folder)
    keyset = Keyset(order.name, _SORT_COLUMN[order.field], M.c.id, order.descending)
    page = await keyset_page(
        session,
        select(*RECORD_COLUMNS).where(*conds),
        keyset,
        size=size,
        after=after,
        skip=skip,
        decode=lambda value, ident: _decode(order, value, ident),
        record=MessageRecord.from_row,
        position=lambda rec: _position(rec, order),
    )
    if with_totals:
        page.total_count, page.unread_count = await count_messages(
            session, viewer, folder, q, conds, every_folder=every_folder
        )
    return page


async def count_messages(
    session: AsyncSession,
    viewer: Viewer,
    folder: FolderRecord | None,
    q: MessageQuery,
    conds: list[ColumnElement[bool]] | None = None,
    *,
    every_folder: bool = False,
) -> tuple[int, int]:
    """(total, unread) over every page: the folder counters when nothing is filtered.

    ``folder`` None counts every folder but Trash and Junk, or every folder with
    ``every_folder``, as ``list_messages`` lists them."""
    if q.is_empty() and folder is not None:
        return folder.total_count, folder.unread_count
    if q.is_empty():
        folders = table_of(Folder)
        where = [folders.c.owner_id == viewer.user_id]
        if not every_folder:
            where.append(or_(folders.c.role.is_(None), folders.c.role.not_in(("TRASH", "JUNK"))))
        row = (
            await session.execute(
                select(
                    func.coalesce(func.sum(folders.c.total_count), 0),
                    func.coalesce(func.sum(folders.c.unread_count), 0),
                ).where(*where)
            )
        ).one()
        return int(row[0]), int(row[1])
    if conds is None:
        conds = await _conditions(session, viewer, folder, q, every_folder=every_folder)
    unread = func.coalesce(func.sum(case((M.c.was_read.is_(False), 1), else_=0)), 0)
    row = (await session.execute(select(func.count(), unread).where(*conds))).one()
    return int(row[0]), int(row[1])
