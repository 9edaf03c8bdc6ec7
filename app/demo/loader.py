"""Writing the plan: users, folders, labels and threads first, then the mail in chunks.

Every message goes through ``resolvers.mailstore.store_message``, so counters, the search
index and the change log hold exactly as they would for real mail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.corpus import DAYS, LABELS, PASSWORD, USER_FOLDERS, USERS
from app.demo.model import Mail
from app.demo.plan import Planner
from db.engine import Database
from db.models import ApiPermission, ChangeKind, Folder, MailThread, table_of
from db.types import utcnow
from resolvers.blobs import put_blob
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.counters import CounterDeltas
from resolvers.errors import Conflict
from resolvers.formats.mime import Envelope, build_email
from resolvers.formats.parts import AttachmentPart
from resolvers.labels import create_label
from resolvers.mailbox import list_folders
from resolvers.mailstore import Address, NewMessage, store_message
from resolvers.records import UserRecord
from resolvers.thread_store import insert_thread
from resolvers.users import create_user, user_by_login
from resolvers.viewer import Viewer

#: Messages stored per unit of work.
CHUNK = 160


async def load_demo_data(db: Database, *, domain: str = "mailgate.local") -> bool:
    """Load the demo users and their mail once; False when the users exist already."""
    async with db.read() as session:
        if await user_by_login(session, USERS[0][0]) is not None:
            return False
    planner = Planner(utcnow(), domain)
    mails = planner.plan()
    # The CPU work (MIME) happens before any write lock is taken.
    raws = [_raw(mail) for mail in mails]
    try:
        setup = await _setup(db, planner, mails)
    except Conflict:
        return False  # loaded by someone else meanwhile, or one of the addresses is taken
    if setup is None:
        return False
    blobs: dict[bytes, str] = {}
    for start in range(0, len(mails), CHUNK):
        async with db.write() as session:
            deltas: dict[str, CounterDeltas] = defaultdict(CounterDeltas)
            changes: dict[str, list[ChangeEntry]] = defaultdict(list)
            for mail, raw in zip(mails[start : start + CHUNK], raws[start : start + CHUNK], strict=True):
                await _store(session, mail, raw, setup, blobs, deltas, changes, domain)
            for login, entries in changes.items():
                touched = await deltas[login].apply(session)
                await record_changes(
                    session,
                    setup.users[login].id,
                    entries + [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=f) for f in touched],
                )
    return True


@dataclass(slots=True)
class Setup:
    """Ids of what the first unit of work made: users, folders and labels by name, threads."""

    users: dict[str, UserRecord]
    folders: dict[str, dict[str, int]]
    labels: dict[str, dict[str, int]]
    threads: list[str]


async def _setup(db: Database, planner: Planner, mails: list[Mail]) -> Setup | None:
    """Users, their folders and labels, and the mail threads; None when the users exist."""
    folder_table = table_of(Folder)
    thread_table = table_of(MailThread)
    async with db.write() as session:
        if await user_by_login(session, USERS[0][0]) is not None:
            return None
        setup = Setup(users={}, folders={}, labels={}, threads=[])
        for login, name, email in USERS:
            setup.users[login] = await create_user(session, login=login, name=name, email=email, password=PASSWORD)
        for login, user in setup.users.items():
            viewer = Viewer(user_id=user.id, permissions=ApiPermission.ALL)
            folders = setup.folders[login] = {str(f.role): f.id for f in await list_folders(session, viewer) if f.role}
            for order, (owner, name, parent) in enumerate(USER_FOLDERS):
                if owner != login:
                    continue
                statement = insert(folder_table).values(
                    owner_id=user.id,
                    name=name,
                    role=None,
                    parent_id=folders[parent] if parent else None,
                    sort_order=order,
                    total_count=0,
                    unread_count=0,
                    created_at=planner.now - timedelta(days=DAYS + 1),
                )
                folders[name] = int((await session.execute(statement.returning(folder_table.c.id))).scalar_one())
            setup.labels[login] = {
                name: (await create_label(session, viewer, name, color)).id for name, color in LABELS
            }
        for index, (key, name) in enumerate(zip(planner.thread_keys, planner.thread_names, strict=True)):
            creator, follower = setup.users["filip_test"], setup.users["user_test"]
            if index % 2:
                creator, follower = follower, creator
            record = await insert_thread(session, creator.id, name, key, [follower.id])
            dates = [m.date for m in mails if m.thread == index]
            # The thread is as old as its first message and was updated by its last.
            await session.execute(
                update(thread_table)
                .where(thread_table.c.id == record.id)
                .values(created_at=min(dates), updated_at=max(dates))
            )
            setup.threads.append(record.id)
    return setup


def _raw(mail: Mail) -> bytes:
    """The RFC 5322 source of a mail."""
    return build_email(
        Envelope(
            sender=mail.sender.as_dict(),
            subject=mail.subject,
            body=mail.body,
            html_body=mail.html_body,
            to=[p.as_dict() for p in mail.to],
            cc=[p.as_dict() for p in mail.cc],
            date=mail.date,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            important=mail.important,
            parts=[AttachmentPart(f.name, f.mime_type, f.data) for f in mail.files],
        )
    ).as_bytes()


async def _blob(session: AsyncSession, data: bytes, cache: dict[bytes, str]) -> str:
    digest = cache.get(data)
    if digest is None:
        digest = cache[data] = await put_blob(session, data)
    return digest


async def _store(
    session: AsyncSession,
    mail: Mail,
    raw: bytes,
    setup: Setup,
    blobs: dict[bytes, str],
    deltas: dict[str, CounterDeltas],
    changes: dict[str, list[ChangeEntry]],
    domain: str,
) -> None:
    """Every copy of one mail, through store_message; counters and changes go to the chunk's totals."""
    raw_sha256 = await put_blob(session, raw)
    attachments = [
        AttachmentPart(f.name, f.mime_type, blob_sha256=await _blob(session, f.data, blobs), size=len(f.data))
        for f in mail.files
    ]
    for copy in mail.copies:
        folder_id = setup.folders[copy.owner][copy.folder]
        new = NewMessage(
            subject=mail.subject,
            sender=Address(mail.sender.address, mail.sender.name),
            body=mail.body,
            html_body=mail.html_body,
            to=[Address(p.address, p.name) for p in mail.to],
            cc=[Address(p.address, p.name) for p in mail.cc],
            date=mail.date,
            thread_id=setup.threads[mail.thread] if mail.thread is not None else None,
            was_read=copy.was_read,
            important=copy.important,
            was_sent=copy.was_sent,
            is_draft=copy.is_draft,
            is_autogenerated=mail.autogenerated,
            message_id_header=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=list(mail.references),
            event_invite_status=mail.invite_status,
            attachments=attachments,
            label_ids=[setup.labels[copy.owner][name] for name in copy.labels],
            size=len(raw),
            raw_sha256=raw_sha256,
        )
        owner_id = setup.users[copy.owner].id
        message_id = await store_message(session, owner_id, folder_id, new, deltas=deltas[copy.owner], domain=domain)
        changes[copy.owner].append(ChangeEntry(ChangeKind.CREATED, message_id, folder_id))
