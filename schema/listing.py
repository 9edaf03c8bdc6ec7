"""The message listing that Query.messages, Folder.messages and MailThread.messages share."""

from __future__ import annotations

from db.models import ApiPermission
from resolvers.messages import MessageOrdering, MessageQuery, OrderField, list_messages
from resolvers.records import FolderRecord
from schema.context import Info
from schema.enums import OrderDirection
from schema.inputs import MessageFilter, MessageOrder
from schema.selection import child_names
from schema.types.message import MessageConnection, messages_of


def message_query(f: MessageFilter | None) -> MessageQuery:
    """The resolver-side form of a MessageFilter."""
    if f is None:
        return MessageQuery()
    return MessageQuery(
        query=f.query,
        subject=f.subject,
        body=f.body,
        sender=f.from_,
        recipient=f.to,
        start_date=f.start_date,
        end_date=f.end_date,
        label_ids=[str(x) for x in f.label_ids] if f.label_ids is not None else None,
        was_read=f.was_read,
        important=f.important,
        has_attachments=f.has_attachments,
        thread_id=str(f.thread_id) if f.thread_id is not None else None,
        min_size=f.min_size,
        max_size=f.max_size,
    )


def message_ordering(order: MessageOrder) -> MessageOrdering:
    return MessageOrdering(field=OrderField(order.field.value), descending=order.direction is OrderDirection.DESC)


async def message_connection(
    info: Info,
    folder: FolderRecord | None,
    filter: MessageFilter | None,
    order_by: MessageOrder,
    first: int | None,
    after: str | None,
    offset: int | None,
    *,
    every_folder: bool = False,
) -> MessageConnection:
    """One page of the viewer's messages, with what the selection asks of them loaded once."""
    viewer = info.context.require(ApiPermission.READ)
    names = child_names(info)
    async with info.context.db.read() as session:
        page = await list_messages(
            session,
            viewer,
            folder,
            message_query(filter),
            message_ordering(order_by),
            first=first,
            after=after,
            offset=offset,
            with_totals="totalCount" in names or "unreadCount" in names,
            every_folder=every_folder,
        )
    return MessageConnection.of(page, await messages_of(info, page.items))
