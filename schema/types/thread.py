"""Mail threads, their followers, and import jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from resolvers.errors import MailgateError
from resolvers.loaders import ThreadCounters
from resolvers.printing import print_link
from resolvers.records import FollowerRecord, MailThreadRecord, Page
from resolvers.threads import get_thread
from schema.context import Info
from schema.enums import JobStatus
from schema.inputs import OLDEST_FIRST, MessageOrder
from schema.selection import each, later
from schema.types.common import ImportResult, PageInfo
from schema.types.files import Attachment
from schema.types.message import MessageConnection
from schema.types.user import User


@strawberry.type
class Follower:
    id: strawberry.ID
    since: datetime
    _rec: strawberry.Private[FollowerRecord]

    @classmethod
    def from_record(cls, rec: FollowerRecord) -> Follower:
        return cls(id=strawberry.ID(str(rec.id)), since=rec.since, _rec=rec)

    @strawberry.field
    def user(self, info: Info) -> User:
        return later(info.context.loaders.user.load(self._rec.user_id), User.from_record)


def _counter(info: Info, thread_id: str, pick: object) -> object:
    return later(info.context.loaders.thread_counters.load(thread_id), pick)  # type: ignore[arg-type]


@strawberry.federation.type(keys=["id"])
class MailThread:
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime
    _rec: strawberry.Private[MailThreadRecord]

    @classmethod
    def from_record(cls, rec: MailThreadRecord) -> MailThread:
        return cls(
            id=strawberry.ID(rec.id), name=rec.name, created_at=rec.created_at, updated_at=rec.updated_at, _rec=rec
        )

    @classmethod
    def maybe(cls, rec: MailThreadRecord | None) -> MailThread | None:
        return cls.from_record(rec) if rec else None

    @strawberry.field(description="Attachments of the thread itself and of the caller's messages in it.")
    def attachments(self, info: Info) -> list[Attachment]:
        return later(
            info.context.loaders.attachments_by_thread.load(self._rec.id),
            lambda recs: each(recs, Attachment.from_record),
        )

    @strawberry.field
    def followers(self, info: Info) -> list[Follower]:
        return later(
            info.context.loaders.followers_by_thread.load(self._rec.id),
            lambda recs: each(recs, Follower.from_record),
        )

    @strawberry.field(description="The caller's messages in this thread, oldest first by default.")
    async def messages(
        self,
        info: Info,
        order_by: Optional[MessageOrder] = OLDEST_FIRST,
        first: Optional[int] = 50,
        after: Optional[str] = None,
        offset: Optional[int] = None,
    ) -> MessageConnection:
        from schema.inputs import MessageFilter
        from schema.listing import message_connection

        return await message_connection(
            info,
            None,
            MessageFilter(thread_id=strawberry.ID(self._rec.id)),
            order_by or OLDEST_FIRST,
            first,
            after,
            offset,
            every_folder=True,
        )

    @strawberry.field
    def has_message(self, info: Info) -> bool:
        return _counter(info, self._rec.id, lambda c: c.messages > 0)  # type: ignore[return-value]

    @strawberry.field
    def message_attachment_count(self, info: Info) -> int:
        return _counter(info, self._rec.id, lambda c: c.attachments)  # type: ignore[return-value]

    @strawberry.field(description="Whether a message of the thread failed to reach a recipient.")
    def message_has_error(self, info: Info) -> bool:
        return _counter(info, self._rec.id, lambda c: c.failed > 0)  # type: ignore[return-value]

    @strawberry.field
    def message_has_error_counter(self, info: Info) -> int:
        return _counter(info, self._rec.id, lambda c: c.failed)  # type: ignore[return-value]

    @strawberry.field(
        description="Whether an SMS notification failed; false while no SMS channel is configured."
        " mailgate has no SMS channel, so this is always false."
    )
    def message_has_sms_error(self) -> bool:
        return False

    @strawberry.field
    def message_is_follower(self, info: Info) -> bool:
        viewer = info.context.viewer
        uid = viewer.user_id if viewer else None
        return later(
            info.context.loaders.followers_by_thread.load(self._rec.id),
            lambda recs: any(f.user_id == uid for f in recs),
        )

    @strawberry.field
    def message_needaction(self, info: Info) -> bool:
        return _counter(info, self._rec.id, lambda c: c.unread > 0)  # type: ignore[return-value]

    @strawberry.field(description="The caller's unread messages in this thread.")
    def message_needaction_counter(self, info: Info) -> int:
        return _counter(info, self._rec.id, lambda c: c.unread)  # type: ignore[return-value]

    @strawberry.field(description="Links for this thread's printout.")
    def print_url(self, info: Info) -> str:
        viewer = info.context.viewer
        return print_link(info.context.links, viewer.user_id if viewer else 0, self._rec.id).url

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> MailThread | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        try:
            async with info.context.db.read() as session:
                return cls.from_record(await get_thread(session, viewer, str(id)))
        except MailgateError:
            return None


@strawberry.type
class MailThreadEdge:
    cursor: str
    node: MailThread


@strawberry.type
class MailThreadConnection:
    edges: list[MailThreadEdge]
    nodes: list[MailThread]
    page_info: PageInfo
    total_count: int

    @classmethod
    def of(cls, page: Page[MailThreadRecord]) -> MailThreadConnection:
        nodes = [MailThread.from_record(r) for r in page.items]
        return cls(
            edges=[MailThreadEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo.of(page.cursors, page.has_next_page, page.has_previous_page),
            total_count=page.total_count or 0,
        )


@strawberry.type
class ImportJob:
    id: strawberry.ID
    status: JobStatus
    total: int | None
    processed: int
    result: ImportResult | None
    error: str | None


__all__ = ["ThreadCounters"]
