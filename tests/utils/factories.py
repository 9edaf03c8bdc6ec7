"""Factories that go through the same code the server runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, update

from db.engine import Database
from db.models import ApiPermission, Folder, Message, table_of
from db.types import utcnow
from resolvers.blobs import put_blob
from resolvers.formats.parts import AttachmentPart
from resolvers.labels import create_label
from resolvers.mailbox import folder_by_role
from resolvers.mailstore import Address, NewMessage, store_message
from resolvers.records import LabelRecord, UserRecord
from resolvers.thread_store import add_followers, insert_thread
from resolvers.users import create_user
from resolvers.viewer import Viewer

PASSWORD = "TestPassword"


async def make_user(db: Database, login: str, name: str | None = None, email: str | None = None) -> UserRecord:
    async with db.write() as session:
        return await create_user(
            session, login=login, name=name or login.title(), email=email or f"{login}@devr7.ru", password=PASSWORD
        )


def viewer_of(user: UserRecord) -> Viewer:
    return Viewer(user_id=user.id, permissions=ApiPermission.ALL)


async def make_label(db: Database, user: UserRecord, name: str, color: str | None = None) -> LabelRecord:
    async with db.write() as session:
        return await create_label(session, viewer_of(user), name, color)


async def make_thread(
    db: Database, user: UserRecord, name: str, key: str | None = None, followers: tuple[int, ...] = ()
) -> str:
    async with db.write() as session:
        return (await insert_thread(session, user.id, name, key, followers)).id


async def deliver(
    db: Database,
    owner: UserRecord,
    *,
    folder: str = "INBOX",
    subject: str = "Hello",
    body: str = "Hello there",
    sender: tuple[str | None, str] = ("Сизый Федор Петрович", "siz_test@devr7.ru"),
    to: list[tuple[str | None, str]] | None = None,
    date: datetime | None = None,
    files: list[tuple[str, str, bytes]] | None = None,
    label_ids: list[int] | None = None,
    **fields: Any,
) -> int:
    """Put a message into ``owner``'s folder (by role) the way every arrival does."""
    async with db.write() as session:
        target = await folder_by_role(session, owner.id, folder)
        attachments = []
        for name, mime, data in files or []:
            digest = await put_blob(session, data)
            attachments.append(AttachmentPart(name, mime, blob_sha256=digest, size=len(data)))
        new = NewMessage(
            subject=subject,
            sender=Address(sender[1], sender[0]),
            body=body,
            to=[Address(a, n) for n, a in (to or [(owner.name, owner.email)])],
            date=date,
            attachments=attachments,
            label_ids=label_ids or [],
            size=len(body.encode()) + sum(len(d) for _, _, d in files or []) + 500,
            **fields,
        )
        return await store_message(session, owner.id, target.id, new)


async def make_folder(
    db: Database, user: UserRecord, name: str, *, parent_id: int | None = None, sort_order: int = 0
) -> int:
    """A folder of the user's, inserted directly (createFolder is another area's)."""
    folders = table_of(Folder)
    async with db.write() as session:
        statement = insert(folders).values(
            owner_id=user.id, name=name, role=None, parent_id=parent_id, sort_order=sort_order, created_at=utcnow()
        )
        return int((await session.execute(statement.returning(folders.c.id))).scalar_one())


async def folder_id(db: Database, user: UserRecord, role: str) -> int:
    """The id of one of the user's system folders."""
    async with db.read() as session:
        return (await folder_by_role(session, user.id, role)).id


async def set_message(db: Database, message_id: int, **values: Any) -> None:
    """Change columns of a message row directly, for states no mutation makes yet."""
    messages = table_of(Message)
    async with db.write() as session:
        await session.execute(update(messages).where(messages.c.id == message_id).values(**values))


async def follow(db: Database, thread_id: str, *user_ids: int) -> None:
    async with db.write() as session:
        await add_followers(session, thread_id, user_ids)
