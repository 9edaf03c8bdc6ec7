"""Conversations: the listing, one conversation, and bulk changes by conversation id."""

from __future__ import annotations

from typing import Optional

import strawberry

from db.models import ApiPermission
from db.units import run_write
from resolvers import conversations
from resolvers.conversations import ConversationQuery as Query_
from schema.context import Info
from schema.types.bulk import BulkResult
from schema.types.conversation import Conversation, ConversationConnection, ConversationFilter, conversations_of

READ, UPDATE, DELETE = ApiPermission.READ, ApiPermission.UPDATE, ApiPermission.DELETE


def _query(f: ConversationFilter | None) -> Query_:
    if f is None:
        return Query_()
    return Query_(unread=f.unread, important=f.important, has_attachments=f.has_attachments)


@strawberry.type
class ConversationQuery:
    @strawberry.field(
        description="The user's conversations, newest first: those with a message in folderId (ordered by\n"
        "their latest message there), or all of them. Counts are the whole conversation's. (READ)"
    )
    async def conversations(
        self,
        info: Info,
        folder_id: Optional[strawberry.ID] = strawberry.UNSET,
        filter: Optional[ConversationFilter] = None,
        first: Optional[int] = 50,
        after: Optional[str] = None,
    ) -> ConversationConnection:
        viewer = info.context.require(READ)
        folder = str(folder_id) if folder_id else None
        async with info.context.db.read() as session:
            page = await conversations.list_conversations(session, viewer, folder, _query(filter), first, after)
        return ConversationConnection.of(page, await conversations_of(info, page.items))

    @strawberry.field(description="One of the user's conversations with its messages. (READ)")
    async def conversation(self, info: Info, id: strawberry.ID) -> Conversation:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            rec = await conversations.get_conversation(session, viewer, str(id))
        return (await conversations_of(info, [rec]))[0]


@strawberry.type
class ConversationMutation:
    @strawberry.mutation(description="Mark every message of the conversations read or unread. (UPDATE)")
    async def mark_conversations_as_read(
        self, info: Info, ids: list[strawberry.ID], was_read: bool = True
    ) -> BulkResult:
        viewer = info.context.require(UPDATE)
        outcome = await run_write(
            info.context.db, lambda session: conversations.mark_read(session, viewer, ids, was_read)
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(description="Flag or unflag every message of the conversations. (UPDATE)")
    async def mark_conversations_as_important(
        self, info: Info, ids: list[strawberry.ID], important: bool = True
    ) -> BulkResult:
        viewer = info.context.require(UPDATE)
        outcome = await run_write(
            info.context.db, lambda session: conversations.mark_important(session, viewer, ids, important)
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(
        description="Move the conversations' messages to a folder; copies in Sent and Drafts stay. (UPDATE)"
    )
    async def move_conversations(self, info: Info, ids: list[strawberry.ID], to_folder_id: strawberry.ID) -> BulkResult:
        viewer = info.context.require(UPDATE)
        outcome = await run_write(
            info.context.db, lambda session: conversations.move(session, viewer, ids, str(to_folder_id))
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(
        description="Delete every message of the conversations: to Trash, or destroyed when in Trash\n"
        "already or `permanent` is true. (DELETE)"
    )
    async def delete_conversations(
        self, info: Info, ids: list[strawberry.ID], permanent: Optional[bool] = False
    ) -> BulkResult:
        viewer = info.context.require(DELETE)
        outcome = await run_write(
            info.context.db, lambda session: conversations.delete(session, viewer, ids, bool(permanent))
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(description="Add and remove labels on every message of the conversations. (UPDATE)")
    async def set_conversation_labels(
        self,
        info: Info,
        ids: list[strawberry.ID],
        add: Optional[list[strawberry.ID]] = (),  # type: ignore[assignment]
        remove: Optional[list[strawberry.ID]] = (),  # type: ignore[assignment]
    ) -> BulkResult:
        viewer = info.context.require(UPDATE)
        outcome = await run_write(
            info.context.db,
            lambda session: conversations.set_labels(session, viewer, ids, list(add or ()), list(remove or ())),
        )
        return await BulkResult.of(info, outcome)
