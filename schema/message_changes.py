"""messageChanges: sync a client's copy of the mailbox from a state string."""

from __future__ import annotations

from typing import Optional

import strawberry

from db.models import ApiPermission
from resolvers.mailbox_changes import message_changes
from schema.context import Info
from schema.types.message import Message, messages_of


@strawberry.type
class MessageChanges:
    old_state: str
    new_state: str
    has_more_changes: bool
    created: list[Message]
    updated: list[Message]
    destroyed: list[strawberry.ID]
    conversations_changed: list[strawberry.ID] = strawberry.field(
        description="Conversations whose messages were created, changed or destroyed since the state."
    )
    conversations_destroyed: list[strawberry.ID] = strawberry.field(
        description="Conversations left without messages since the state (they are gone)."
    )


@strawberry.type
class SyncQuery:
    @strawberry.field(description="Changes to the user's messages since a state string from an earlier answer. (READ)")
    async def message_changes(self, info: Info, since_state: str, max_changes: Optional[int] = 500) -> MessageChanges:
        viewer = info.context.require(ApiPermission.READ)
        async with info.context.db.read() as session:
            changes = await message_changes(session, viewer, since_state, max_changes)
        messages = await messages_of(info, changes.created + changes.updated)
        split = len(changes.created)
        return MessageChanges(
            old_state=changes.old_state,
            new_state=changes.new_state,
            has_more_changes=changes.has_more_changes,
            created=messages[:split],
            updated=messages[split:],
            destroyed=[strawberry.ID(str(i)) for i in changes.destroyed],
            conversations_changed=[strawberry.ID(str(i)) for i in changes.conversations_changed],
            conversations_destroyed=[strawberry.ID(str(i)) for i in changes.conversations_destroyed],
        )
