"""The message listing that Query.messages, Folder.messages and MailThread.messages share."""

from __future__ import annotations

from db.models import ApiPermission
from resolvers.messages import MessageQuery, list_messages
from resolvers.records import FolderRecord
from schema.context import Info
from schema.inputs import MessageFilter, MessageOrder
from schema.selection import child_names
from schema.types.message import MessageConnection, messages_of


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
            filter.to_query() if filter is not None else MessageQuery(),
            order_by.to_ordering(),
            first=first,
            after=after,
            offset=offset,
            with_totals="totalCount" in names or "unreadCount" in names,
            every_folder=every_folder,
        )
    return MessageConnection.of(page, await messages_of(info, page.items))
