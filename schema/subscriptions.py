"""Subscriptions: the mailbox's events over graphql-transport-ws.

A subscription registers with the event bus first, then reads the change log
after its starting state, then after each notification reads the log after
the last modseq it delivered: events arrive in modseq order, with no gap and
no duplicate, whichever process made the change. Each event is resolved with
fresh loaders (the connection's context lives as long as the socket).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from typing import Any, Optional

import strawberry
from strawberry.extensions import SchemaExtension

from db.models import ApiPermission
from resolvers import events
from resolvers.auth import bearer_token
from resolvers.changelog import state_string
from resolvers.errors import MailgateError
from resolvers.events import EventHub, MailboxEventRecord, mailbox_topic, read_events, start_modseq, too_slow
from resolvers.loaders import Loaders
from schema.context import Context, Info
from schema.enums import MailboxEventKind
from schema.errors import coded, request_id_of
from schema.types.mailbox import Folder
from schema.types.message import Message

#: A subscriber re-reads the log at least this often, even without a notification (seconds).
POLL_INTERVAL = 30.0


@dataclass(slots=True)
class SocketContext(Context):
    """The context of one websocket: Strawberry puts the connection_init payload here."""

    connection_params: dict[str, Any] | None = None


def connection_token(params: object) -> str | None:
    """The token of a connection_init payload: {"Authorization": "Bearer <t>"}, lowercase key, or a bare <t>."""
    if not isinstance(params, dict):
        return None
    for key in ("Authorization", "authorization", "token", "accessToken"):
        value = params.get(key)
        if isinstance(value, str) and value.strip():
            return bearer_token(value)
    return None


def event_hub(context: Context) -> EventHub:
    hub = context.events
    if hub is None:
        raise MailgateError("events are not available on this server")
    return hub


class StreamErrorCodes(SchemaExtension):
    """extensions.code on every result of a subscription too.

    ``ErrorCodes`` codes the one result of a query or mutation when the operation
    ends; a subscription's results leave before that, so each is coded here.
    """

    def on_stream_result(self, result: Any) -> Iterator[None]:
        errors = getattr(result, "errors", None)
        if errors:
            request_id = request_id_of(self.execution_context.context)
            result.errors = [e if (e.extensions or {}).get("code") else coded(e, request_id) for e in errors]
        yield


@strawberry.type
class MailboxEvent:
    kind: MailboxEventKind
    message: Message | None = strawberry.field(description="Null when destroyed.")
    message_id: strawberry.ID | None
    folder: Folder | None
    state: str = strawberry.field(description="The mailbox state after this event.")
    conversation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The conversation of the message the event is about (its counts changed)."
    )

    @classmethod
    def of(cls, record: MailboxEventRecord) -> MailboxEvent:
        return cls(
            kind=MailboxEventKind[record.kind],
            message=Message.maybe(record.message),
            message_id=strawberry.ID(str(record.message_id)) if record.message_id is not None else None,
            folder=Folder.maybe(record.folder),
            state=state_string(record.modseq),
            conversation_id=strawberry.ID(str(record.conversation_id)) if record.conversation_id is not None else None,
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Every change to the user's mailbox, as it happens, whichever server process\n"
            "made it. With sinceState, the changes made since that state are replayed\n"
            "first, so a client that reconnects misses nothing. (READ)"
        )
    )
    async def mailbox_events(self, info: Info, since_state: Optional[str] = None) -> AsyncGenerator[MailboxEvent, None]:
        context = info.context
        viewer = context.require(ApiPermission.READ)
        hub = event_hub(context)
        owner = viewer.user_id
        # Subscribe before reading: whatever commits from now on wakes this subscriber.
        inbox = hub.subscribe(mailbox_topic(owner))
        try:
            async with context.db.read() as session:
                last, head = await start_modseq(session, owner, since_state)
            while True:
                async with context.db.read() as session:
                    batch = await read_events(session, owner, last, events.READ_BATCH)
                for record in batch:
                    context.loaders = Loaders(context.db, owner)
                    yield MailboxEvent.of(record)
                    last = record.modseq
                    # Events past the state at subscribe time that this subscriber has not taken yet.
                    if inbox.latest - max(last, head) > events.MAX_LAG:
                        raise too_slow(last)
                if len(batch) >= events.READ_BATCH:
                    continue
                while True:
                    woke = await inbox.wait(POLL_INTERVAL)
                    if not woke or inbox.take_resync() or inbox.latest > last:
                        break
        finally:
            hub.unsubscribe(inbox)
