"""What printouts and reports show: a thread with the viewer's messages, and counter lines.

The rendering (PDF, HTML, XLSX) is resolvers/formats/pdf.py and resolvers/formats/sheets.py; links to them are
signed with ``resolvers.generated_files.sign_file`` (kind "print" names the thread,
kind "report" carries the filter).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models import Follower, Message, MessageBody, table_of
from resolvers.formats.html import html_to_text
from resolvers.generated_files import sign_file
from resolvers.links import LinkSigner, SignedLink
from resolvers.loaders import Loaders
from resolvers.records import MailThreadRecord
from resolvers.thread_export import follower_logins, thread_batches
from resolvers.threads import ThreadQuery, get_thread
from resolvers.viewer import Viewer

M = table_of(Message)
B = table_of(MessageBody)
F = table_of(Follower)

PRINT = "print"
REPORT = "report"
#: A printout shows at most this many messages (the newest are left out past it).
MAX_PRINTED_MESSAGES = 2000
REPORT_HEADERS = ("Thread", "Id", "Messages", "Unread", "Attachments", "Failed deliveries", "Followers")


@dataclass(frozen=True, slots=True)
class PrintedMessage:
    subject: str
    sender: str
    date: datetime
    body: str


@dataclass(slots=True)
class Printout:
    thread: MailThreadRecord
    followers: list[str]
    messages: list[PrintedMessage]
    more: int = 0

    def details(self) -> list[tuple[str, str]]:
        rows = [
            ("Id", self.thread.id),
            ("Created", self.thread.created_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("Followers", ", ".join(self.followers) or "—"),
            ("Messages", str(len(self.messages) + self.more)),
        ]
        if self.more:
            rows.append(("Not printed", f"{self.more} newer messages"))
        return rows


def print_link(links: LinkSigner, viewer_id: int, thread_id: str, fmt: str = "PDF") -> SignedLink:
    """The printout of a thread as ``viewer_id`` sees it: /files/print/{thread id}?..."""
    return sign_file(links, PRINT, thread_id, viewer_id, {"f": fmt.upper()})


def sender_of(name: str | None, address: str) -> str:
    if name and address:
        return f"{name} <{address}>"
    return name or address or "—"


async def thread_printout(session: AsyncSession, viewer: Viewer, thread_id: str) -> Printout:
    """The thread (NOT_FOUND unless the viewer sees it) and the viewer's messages in it, oldest first."""
    thread = await get_thread(session, viewer, thread_id)
    followers = (await follower_logins(session, [thread.id])).get(thread.id, [])
    statement = (
        select(M.c.subject, M.c.from_name, M.c.from_address, M.c.date, B.c.body, B.c.html_body)
        .select_from(M.outerjoin(B, B.c.message_id == M.c.id))
        .where(M.c.thread_id == thread.id, M.c.owner_id == viewer.user_id)
        .order_by(M.c.date, M.c.id)
        .limit(MAX_PRINTED_MESSAGES)
    )
    messages = [
        PrintedMessage(
            subject=r.subject or "",
            sender=sender_of(r.from_name, r.from_address),
            date=r.date,
            body=r.body or (html_to_text(r.html_body) if r.html_body else ""),
        )
        for r in await session.execute(statement)
    ]
    more = 0
    if len(messages) >= MAX_PRINTED_MESSAGES:
        total = await session.execute(
            select(func.count()).select_from(M).where(M.c.thread_id == thread.id, M.c.owner_id == viewer.user_id)
        )
        more = int(total.scalar_one()) - len(messages)
    return Printout(thread=thread, followers=followers, messages=messages, more=more)


async def report_lines(db: Database, viewer: Viewer, q: ThreadQuery) -> AsyncIterator[list[tuple[Any, ...]]]:
    """One line per matching thread (``REPORT_HEADERS``), a batch at a time, in id order."""
    async for batch in thread_batches(db, viewer, q):
        ids = [tid for tid, _ in batch]
        # Fresh loaders per batch: their caches would otherwise keep every thread of a large report.
        counters = await Loaders(db, viewer.user_id).thread_counters.load_many(ids)
        async with db.read() as session:
            statement = select(F.c.thread_id, func.count()).where(F.c.thread_id.in_(ids)).group_by(F.c.thread_id)
            followers = {tid: int(n) for tid, n in await session.execute(statement)}
        yield [
            (name, tid, c.messages, c.unread, c.attachments, c.failed, followers.get(tid, 0))
            for (tid, name), c in zip(batch, counters, strict=True)
        ]
