"""Reading mail threads: who may see one, one by id, its followers, and the filtered listing."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Follower, MailThread, Message, User, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput, not_found
from resolvers.paging import Keyset, keyset_page, page_request
from resolvers.records import MailThreadRecord, Page
from resolvers.viewer import Viewer

T = table_of(MailThread)
F = table_of(Follower)
M = table_of(Message)
U = table_of(User)

MAX_KEY_LENGTH = 255


class ThreadOrderField(enum.StrEnum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


_SORT = {
    ThreadOrderField.NAME: T.c.name_key,
    ThreadOrderField.CREATED_AT: T.c.created_at,
    ThreadOrderField.UPDATED_AT: T.c.updated_at,
}


@dataclass(slots=True)
class ThreadQuery:
    """What MailThreadFilter asks for, in resolver terms."""

    id_eq: str | None = None
    name_like: str | None = None
    is_follower: bool | None = None
    needaction: bool | None = None

    def as_params(self) -> dict[str, Any]:
        """The filters that are set, as JSON for a signed link (``from_params`` reads it back)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_params(cls, params: object) -> ThreadQuery:
        """The ThreadQuery that ``as_params`` packed into a link; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        given = params if isinstance(params, dict) else {}
        return cls(**{k: v for k, v in given.items() if k in known})


@dataclass(frozen=True, slots=True)
class ThreadOrdering:
    field: ThreadOrderField = ThreadOrderField.UPDATED_AT
    descending: bool = True

    @property
    def name(self) -> str:
        return f"t:{self.field}:{'d' if self.descending else 'a'}"


def check_key(key: str) -> str:
    """A client-chosen thread key, checked: 1..255 characters, no control characters."""
    key = str(key)
    if not key or len(key) > MAX_KEY_LENGTH or key != key.strip() or any(ord(c) < 32 for c in key):
        raise BadUserInput("a mail thread id is 1 to 255 printable characters", argument="id")
    return key


def new_key() -> str:
    return str(uuid.uuid4())


def is_follower(viewer: Viewer) -> ColumnElement[bool]:
    return exists().where(F.c.thread_id == T.c.id, F.c.user_id == viewer.user_id)


def has_messages(viewer: Viewer) -> ColumnElement[bool]:
    return exists().where(M.c.thread_id == T.c.id, M.c.owner_id == viewer.user_id)


def needs_action(viewer: Viewer) -> ColumnElement[bool]:
    return exists().where(M.c.thread_id == T.c.id, M.c.owner_id == viewer.user_id, M.c.was_read.is_(False))


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """A thread is the business of its followers and of whoever has messages in it."""
    return or_(is_follower(viewer), has_messages(viewer))


def thread_conditions(viewer: Viewer, q: ThreadQuery) -> list[ColumnElement[bool]]:
    """The mailThreads filter: the threads the viewer sees that match ``q``."""
    conds: list[ColumnElement[bool]] = [visible_to(viewer)]
    if q.id_eq is not None:
        conds.append(T.c.id == str(q.id_eq))
    if q.name_like:
        conds.append(T.c.name_key.contains(q.name_like.casefold(), autoescape=True))
    if q.is_follower is not None:
        conds.append(is_follower(viewer) if q.is_follower else ~is_follower(viewer))
    if q.needaction is not None:
        conds.append(needs_action(viewer) if q.needaction else ~needs_action(viewer))
    return conds


async def get_thread(session: AsyncSession, viewer: Viewer, thread_id: str, *, lock: bool = False) -> MailThreadRecord:
    """A thread the viewer may see; NOT_FOUND otherwise. ``lock`` takes its row lock
    (PostgreSQL; a SQLite write holds the whole database already)."""
    statement = select(T).where(T.c.id == str(thread_id), visible_to(viewer))
    if lock:
        statement = statement.with_for_update(of=T)
    row = (await session.execute(statement)).mappings().first()
    if row is None:
        raise not_found("MailThread", thread_id)
    return MailThreadRecord.from_row(row)


async def follower_ids(session: AsyncSession, thread_id: str) -> list[int]:
    """The user ids that follow the thread, in the order they started following."""
    rows = await session.execute(select(F.c.user_id).where(F.c.thread_id == thread_id).order_by(F.c.since, F.c.id))
    return [int(r[0]) for r in rows]


async def check_users(session: AsyncSession, user_ids: Iterable[int]) -> list[int]:
    """``user_ids`` without duplicates, in their order; NOT_FOUND for an unknown one."""
    wanted = list(dict.fromkeys(user_ids))
    if wanted:
        known = {r[0] for r in await session.execute(select(U.c.id).where(U.c.id.in_(wanted)))}
        for uid in wanted:
            if uid not in known:
                raise not_found("User", uid)
    return wanted


async def key_exists(session: AsyncSession, thread_id: str) -> bool:
    """Whether any user's thread has this key."""
    return (await session.execute(select(T.c.id).where(T.c.id == str(thread_id)))).first() is not None


def draft_thread(viewer: Viewer, thread_id: str | None, name: str | None) -> MailThreadRecord:
    """An unsaved thread with defaults, for a creation form."""
    now = utcnow()
    return MailThreadRecord(
        id=check_key(thread_id) if thread_id else new_key(),
        name=(name or "").strip(),
        created_by=viewer.user_id,
        created_at=now,
        updated_at=now,
    )


def _position(rec: MailThreadRecord, order: ThreadOrdering) -> tuple[Any, str]:
    if order.field is ThreadOrderField.NAME:
        return (rec.name_key if rec.name_key is not None else rec.name.casefold()), rec.id
    value: datetime = rec.created_at if order.field is ThreadOrderField.CREATED_AT else rec.updated_at
    return value.isoformat(), rec.id


def _decode(order: ThreadOrdering, value: Any, ident: Any) -> tuple[Any, str]:
    """A cursor's (sort value, key), typed for the sort column."""
    try:
        key: Any = str(value) if order.field is ThreadOrderField.NAME else datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise BadUserInput("the cursor `after` is malformed") from exc
    return key, str(ident)


async def list_threads(
    session: AsyncSession,
    viewer: Viewer,
    q: ThreadQuery | None = None,
    order: ThreadOrdering | None = None,
    *,
    first: int | None = 20,
    after: str | None = None,
    offset: int | None = None,
    with_total: bool = False,
) -> Page[MailThreadRecord]:
    """The threads the viewer follows or has messages in, filtered and paged."""
    q = q or ThreadQuery()
    order = order or ThreadOrdering()
    size, after, skip = page_request(first, after, offset, order.name, default=20)
    conds = thread_conditions(viewer, q)
    page = await keyset_page(
        session,
        select(T).where(*conds),
        Keyset(order.name, _SORT[order.field], T.c.id, order.descending),
        size=size,
        after=after,
        skip=skip,
        decode=lambda value, ident: _decode(order, value, ident),
        record=MailThreadRecord.from_row,
        position=lambda rec: _position(rec, order),
    )
    if with_total:
        page.total_count = int((await session.execute(select(func.count()).select_from(T).where(*conds))).scalar_one())
    return page
