"""Per-request loaders: each batch is one SELECT, and the batches of one tick one round trip.

Batches go through a :class:`db.batch.Batcher`, which sends the SELECTs asked for
in the same tick as one statement on the request's connection. Loaders are built
per request for one viewer, and every owner-scoped loader answers None (or
nothing) for someone else's rows.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiodataloader import DataLoader
from sqlalchemy import case, func, select

from db.batch import Batcher, one_of
from db.engine import Database
from db.models import Attachment, Folder, Label, MailThread, Message, MessageBody, MessageLabel, User, table_of
from db.models.threads import Follower
from resolvers.records import (
    AttachmentRecord,
    FolderRecord,
    FollowerRecord,
    LabelRecord,
    MailThreadRecord,
    MessageBodyRecord,
    MessageRecord,
    UserRecord,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

USER_COLUMNS = (table_of(User).c.id, table_of(User).c.login, table_of(User).c.name, table_of(User).c.email)


@dataclass(frozen=True, slots=True)
class ThreadCounters:
    """The viewer's numbers for one mail thread."""

    messages: int = 0
    unread: int = 0
    failed: int = 0
    attachments: int = 0


def _loader(fn: Callable[[list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
    return DataLoader(batch_load_fn=fn, max_batch_size=500)  # type: ignore[arg-type]


class Loaders:
    """The loaders of one request, for one viewer (None: only public lookups)."""

    __slots__ = (
        "attachment",
        "attachments_by_message",
        "attachments_by_thread",
        "batcher",
        "body",
        "children_of_folder",
        "db",
        "folder",
        "followers_by_thread",
        "label",
        "labels_by_message",
        "message",
        "message_by_header",
        "replies_by_header",
        "thread",
        "thread_counters",
        "user",
        "viewer_id",
    )

    def __init__(self, db: Database, viewer_id: int | None) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.batcher = Batcher(db)
        self.user: DataLoader[int, UserRecord | None] = _loader(self._users)
        self.folder: DataLoader[int, FolderRecord | None] = _loader(self._folders)
        self.label: DataLoader[int, LabelRecord | None] = _loader(self._labels)
        self.message: DataLoader[int, MessageRecord | None] = _loader(self._messages)
        self.body: DataLoader[int, MessageBodyRecord | None] = _loader(self._bodies)
        self.attachment: DataLoader[int, AttachmentRecord | None] = _loader(self._attachments)
        self.labels_by_message: DataLoader[int, list[LabelRecord]] = _loader(self._labels_by_message)
        self.attachments_by_message: DataLoader[int, list[AttachmentRecord]] = _loader(self._attachments_by_message)
        self.attachments_by_thread: DataLoader[str, list[AttachmentRecord]] = _loader(self._attachments_by_thread)
        self.thread: DataLoader[str, MailThreadRecord | None] = _loader(self._threads)
        self.thread_counters: DataLoader[str, ThreadCounters] = _loader(self._thread_counters)
        self.children_of_folder: DataLoader[int, list[FolderRecord]] = _loader(self._children_of_folder)
        self.message_by_header: DataLoader[str, MessageRecord | None] = _loader(self._message_by_header)
        self.replies_by_header: DataLoader[str, list[MessageRecord]] = _loader(self._replies_by_header)
        self.followers_by_thread: DataLoader[str, list[FollowerRecord]] = _loader(self._followers_by_thread)

    async def _rows(self, statement: Any) -> Sequence[Any]:
        return await self.batcher.rows(statement)

    def _in(self, column: Any, values: Sequence[Any]) -> Any:
        return one_of(column, values, sqlite=self.db.is_sqlite)

    async def _users(self, ids: list[int]) -> list[UserRecord | None]:
        rows = await self._rows(select(*USER_COLUMNS).where(self._in(table_of(User).c.id, ids)))
        found = {row["id"]: UserRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _folders(self, ids: list[int]) -> list[FolderRecord | None]:
        t = table_of(Folder)
        rows = await self._rows(select(t).where(self._in(t.c.id, ids), t.c.owner_id == self.viewer_id))
        found = {row["id"]: FolderRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _labels(self, ids: list[int]) -> list[LabelRecord | None]:
        t = table_of(Label)
        rows = await self._rows(select(t).where(self._in(t.c.id, ids), t.c.owner_id == self.viewer_id))
        found = {row["id"]: LabelRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _messages(self, ids: list[int]) -> list[MessageRecord | None]:
        t = table_of(Message)
        rows = await self._rows(select(t).where(self._in(t.c.id, ids), t.c.owner_id == self.viewer_id))
        found = {row["id"]: MessageRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _bodies(self, ids: list[int]) -> list[MessageBodyRecord | None]:
        b, m = table_of(MessageBody), table_of(Message)
        rows = await self._rows(
            select(b)
            .join(m, m.c.id == b.c.message_id)
            .where(self._in(b.c.message_id, ids), m.c.owner_id == self.viewer_id)
        )
        found = {row["message_id"]: MessageBodyRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _attachments(self, ids: list[int]) -> list[AttachmentRecord | None]:
        t = table_of(Attachment)
        rows = await self._rows(select(t).where(self._in(t.c.id, ids), t.c.owner_id == self.viewer_id))
        found = {row["id"]: AttachmentRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _labels_by_message(self, ids: list[int]) -> list[list[LabelRecord]]:
        ml, lt = table_of(MessageLabel), table_of(Label)
        rows = await self._rows(
            select(ml.c.message_id, lt)
            .join(lt, lt.c.id == ml.c.label_id)
            .where(self._in(ml.c.message_id, ids), lt.c.owner_id == self.viewer_id)
            .order_by(lt.c.name, lt.c.id)
        )
        grouped: dict[int, list[LabelRecord]] = defaultdict(list)
        for row in rows:
            grouped[row["message_id"]].append(LabelRecord.from_row(row))
        return [grouped.get(i, []) for i in ids]

    async def _attachments_by_message(self, ids: list[int]) -> list[list[AttachmentRecord]]:
        t = table_of(Attachment)
        rows = await self._rows(
            select(t).where(self._in(t.c.message_id, ids), t.c.owner_id == self.viewer_id).order_by(t.c.id)
        )
        grouped: dict[int, list[AttachmentRecord]] = defaultdict(list)
        for row in rows:
            grouped[row["message_id"]].append(AttachmentRecord.from_row(row))
        return [grouped.get(i, []) for i in ids]

    async def _attachments_by_thread(self, ids: list[str]) -> list[list[AttachmentRecord]]:
        """Attachments of the thread itself and of the viewer's messages in it."""
        a, m = table_of(Attachment), table_of(Message)
        own = (
            select(a, m.c.thread_id.label("via_thread"))
            .join(m, m.c.id == a.c.message_id)
            .where(self._in(m.c.thread_id, ids), m.c.owner_id == self.viewer_id)
        )
        shared = select(a, a.c.mail_thread_id.label("via_thread")).where(self._in(a.c.mail_thread_id, ids))
        rows = await self._rows(own.union_all(shared))
        grouped: dict[str, dict[int, AttachmentRecord]] = defaultdict(dict)
        for row in rows:
            grouped[row["via_thread"]][row["id"]] = AttachmentRecord.from_row(row)
        return [sorted(grouped.get(i, {}).values(), key=lambda r: r.id) for i in ids]

    async def _threads(self, ids: list[str]) -> list[MailThreadRecord | None]:
        t = table_of(MailThread)
        rows = await self._rows(select(t).where(self._in(t.c.id, ids)))
        found = {row["id"]: MailThreadRecord.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _followers_by_thread(self, ids: list[str]) -> list[list[FollowerRecord]]:
        t = table_of(Follower)
        rows = await self._rows(select(t).where(self._in(t.c.thread_id, ids)).order_by(t.c.since, t.c.id))
        grouped: dict[str, list[FollowerRecord]] = defaultdict(list)
        for row in rows:
            grouped[row["thread_id"]].append(FollowerRecord.from_row(row))
        return [grouped.get(i, []) for i in ids]

    async def _children_of_folder(self, ids: list[int]) -> list[list[FolderRecord]]:
        t = table_of(Folder)
        rows = await self._rows(
            select(t)
            .where(self._in(t.c.parent_id, ids), t.c.owner_id == self.viewer_id)
            .order_by(t.c.sort_order, t.c.name, t.c.id)
        )
        grouped: dict[int, list[FolderRecord]] = defaultdict(list)
        for row in rows:
            grouped[row["parent_id"]].append(FolderRecord.from_row(row))
        return [grouped.get(i, []) for i in ids]

    async def _message_by_header(self, headers: list[str]) -> list[MessageRecord | None]:
        t = table_of(Message)
        rows = await self._rows(
            select(t).where(self._in(t.c.message_id_header, headers), t.c.owner_id == self.viewer_id).order_by(t.c.id)
        )
        found: dict[str, MessageRecord] = {}
        for row in rows:
            found.setdefault(row["message_id_header"], MessageRecord.from_row(row))
        return [found.get(h) for h in headers]

    async def _replies_by_header(self, headers: list[str]) -> list[list[MessageRecord]]:
        t = table_of(Message)
        rows = await self._rows(
            select(t)
            .where(self._in(t.c.in_reply_to, headers), t.c.owner_id == self.viewer_id)
            .order_by(t.c.date, t.c.id)
        )
        grouped: dict[str, list[MessageRecord]] = defaultdict(list)
        for row in rows:
            grouped[row["in_reply_to"]].append(MessageRecord.from_row(row))
        return [grouped.get(h, []) for h in headers]

    async def _thread_counters(self, ids: list[str]) -> list[ThreadCounters]:
        m, a = table_of(Message), table_of(Attachment)
        per_thread = (
            select(
                m.c.thread_id.label("tid"),
                func.count().label("n"),
                func.sum(case((m.c.was_read.is_(False), 1), else_=0)).label("unread"),
                func.sum(case((m.c.delivery_status == "FAILED", 1), else_=0)).label("failed"),
            )
            .where(self._in(m.c.thread_id, ids), m.c.owner_id == self.viewer_id)
            .group_by(m.c.thread_id)
        )
        files = (
            select(m.c.thread_id.label("tid"), func.count().label("n"))
            .select_from(a.join(m, m.c.id == a.c.message_id))
            .where(self._in(m.c.thread_id, ids), m.c.owner_id == self.viewer_id, a.c.is_inline.is_(False))
            .group_by(m.c.thread_id)
            .union_all(
                select(a.c.mail_thread_id, func.count())
                .where(self._in(a.c.mail_thread_id, ids))
                .group_by(a.c.mail_thread_id)
            )
        )
        # Asked for in the same tick: one round trip for both.
        counted, filed = await asyncio.gather(self._rows(per_thread), self._rows(files))
        counts = {r["tid"]: (int(r["n"]), int(r["unread"] or 0), int(r["failed"] or 0)) for r in counted}
        attachments: dict[str, int] = defaultdict(int)
        for r in filed:
            attachments[r["tid"]] += int(r["n"])
        return [ThreadCounters(*counts.get(i, (0, 0, 0)), attachments=attachments.get(i, 0)) for i in ids]
