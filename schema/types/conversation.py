"""Conversations: an owner's messages grouped as a mail client lists them.

A Conversation is its own type, not a MailThread: a MailThread is a shared,
followable record of the mail_thread API; a conversation is one user's
grouping of their own copies (by In-Reply-To/References, MailThread, or
subject within a week). Its counts are stored and read, never counted per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import strawberry

from db.models import ApiPermission
from resolvers.conversations import messages_of_conversations
from resolvers.records import ConversationRecord, MessageRecord, Page
from schema.context import Info
from schema.selection import later, selected_names
from schema.types.common import Address, PageInfo
from schema.types.message import Message, messages_of


@strawberry.input(description="Conditions on a conversation's stored counters; all given ones must hold.")
class ConversationFilter:
    unread: bool | None = strawberry.field(default=None, description="Has (true) or has no (false) unread message.")
    important: bool | None = strawberry.field(default=None, description="Has a message flagged important.")
    has_attachments: bool | None = strawberry.field(default=None, description="Has a message with an attachment.")


@dataclass(slots=True)
class _Loaded:
    """What the page's query selects, loaded once for all its conversations."""

    latest: dict[int, Message | None] | None = None
    messages: dict[int, list[Message]] | None = None


@strawberry.type(
    description="One user's conversation: their messages that answer each other (In-Reply-To/References),\n"
    "share a MailThread, or share a subject within a week. Not a MailThread (the shared, followable\n"
    "record): every message has exactly one conversation of its owner (Message.conversationId)."
)
class Conversation:
    id: strawberry.ID
    subject: str = strawberry.field(description="The subject of its first message, without Re:/Fwd: prefixes.")
    message_count: int = strawberry.field(description="Its messages, in every folder.")
    unread_count: int
    has_attachments: bool = strawberry.field(description="A message of it has an attachment that is not inline.")
    important: bool = strawberry.field(description="A message of it is flagged important.")
    snippet: str = strawberry.field(description="The preview of its latest message.")
    last_date: datetime = strawberry.field(description="The date of its latest message.")
    participants: list[Address] = strawberry.field(description="Senders of its messages, in the order they wrote.")
    _rec: strawberry.Private[ConversationRecord]
    _loaded: strawberry.Private[_Loaded]

    @classmethod
    def from_record(cls, rec: ConversationRecord, loaded: _Loaded | None = None) -> Conversation:
        return cls(
            id=strawberry.ID(str(rec.id)),
            subject=rec.subject,
            message_count=rec.message_count,
            unread_count=rec.unread_count,
            has_attachments=rec.attachment_count > 0,
            important=rec.important_count > 0,
            snippet=rec.snippet,
            last_date=rec.last_date,
            participants=[Address.from_json(p) for p in rec.participants],
            _rec=rec,
            _loaded=loaded or _Loaded(),
        )

    @strawberry.field(description="Its latest message.")
    def latest_message(self, info: Info) -> Message | None:
        mid = self._rec.latest_message_id
        if mid is None:
            return None
        if self._loaded.latest is not None:
            return self._loaded.latest.get(self._rec.id)
        return later(info.context.loaders.message.load(mid), Message.maybe)

    @strawberry.field(description="Its messages, oldest first.")
    async def messages(self, info: Info) -> list[Message]:
        if self._loaded.messages is not None:
            return self._loaded.messages.get(self._rec.id, [])
        viewer = info.context.require(ApiPermission.READ)
        async with info.context.db.read() as session:
            found = await messages_of_conversations(session, viewer, [self._rec.id])
        return await messages_of(info, found[self._rec.id])


async def conversations_of(info: Info, records: list[ConversationRecord]) -> list[Conversation]:
    """Conversations for ``records``, with their latest message and messages loaded once if selected."""
    names = selected_names(info)
    loaded = _Loaded()
    if "latestMessage" in names:
        ids = [r.latest_message_id for r in records if r.latest_message_id is not None]
        recs = await info.context.loaders.message.load_many(ids)
        by_id = {r.id: r for r in recs if r is not None}
        nodes = await messages_of(info, list(by_id.values()))
        by_message = {n._rec.id: n for n in nodes}
        loaded.latest = {r.id: by_message.get(r.latest_message_id or 0) for r in records}
    if "messages" in names and info.context.viewer is not None:
        async with info.context.db.read() as session:
            found = await messages_of_conversations(session, info.context.viewer, [r.id for r in records])
        flat: list[MessageRecord] = [m for r in records for m in found[r.id]]
        nodes = await messages_of(info, flat)
        loaded.messages = {r.id: [] for r in records}
        for node in nodes:
            loaded.messages[node._rec.conversation_id or 0].append(node)
    return [Conversation.from_record(r, loaded) for r in records]


@strawberry.type
class ConversationEdge:
    cursor: str
    node: Conversation


@strawberry.type
class ConversationConnection:
    edges: list[ConversationEdge]
    nodes: list[Conversation]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Page[ConversationRecord], nodes: list[Conversation]) -> ConversationConnection:
        return cls(
            edges=[ConversationEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo.of(page.cursors, page.has_next_page, page.has_previous_page),
        )
