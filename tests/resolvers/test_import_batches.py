"""Imports store a batch of messages in a fixed number of statements, with the outcome of storing them one by one.

Two users import the same mbox: one in batches of 37 (threads straddle batches, replies
come before and after what they answer), one message per unit of work. Their mailboxes
must then agree on everything but the ids: threads, thread names and followers,
counters, search documents, and the change log's message entries in modseq order.
"""

from __future__ import annotations

import io
import multiprocessing
import random
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from sqlalchemy import func, select, text

from db.engine import Database
from db.models import Change, Folder, Follower, MailThread, Message, table_of
from resolvers.mail_import import ImportOutcome, import_messages
from tests.utils import mailbox_files as mf
from tests.utils.factories import make_user
from tests.utils.statements import counting

M = table_of(Message)
F = table_of(Folder)
C = table_of(Change)
T = table_of(MailThread)
FW = table_of(Follower)


def chain_message(number: int, parents: list[int]) -> bytes:
    """Message ``number`` answering the last of ``parents`` (References lists them all, oldest first)."""
    headers = mf.basic_headers(number, subject=f"Re: Chain {parents[0]}" if parents else f"Chain {number}")
    if parents:
        refs = " ".join(f"<m{p}@example.com>" for p in parents)
        headers += [("In-Reply-To", f"<m{parents[-1]}@example.com>"), ("References", refs)]
    return mf.message(headers, f"Chain body {number} about the quarterly budget\n")


def shuffled_mailbox(seed: int) -> bytes:
    """300 mixed messages (groups of a root and 4 replies) and 60 reply chains, in a shuffled order."""
    messages: list[bytes] = [mf.mixed_message(i) for i in range(300)]
    rng = random.Random(seed)
    for start in range(1001, 1061, 6):
        chain = list(range(start, start + 6))
        for k, number in enumerate(chain):
            messages.append(chain_message(number, chain[:k]))
    # Mostly in order, with local swaps: some replies come before what they answer.
    for i in range(len(messages) - 1):
        if rng.random() < 0.3:
            j = min(len(messages) - 1, i + rng.randint(1, 12))
            messages[i], messages[j] = messages[j], messages[i]
    return b"".join(mf.mbox_of(messages))


async def snapshot(db: Database, owner_id: int) -> dict[str, Any]:
    """A user's mailbox without its ids: messages by Message-ID, threads as groups of Message-IDs."""
    async with db.read() as session:
        rows = (
            await session.execute(
                select(M.c.id, M.c.message_id_header, M.c.thread_id, M.c.was_read, M.c.subject)
                .where(M.c.owner_id == owner_id)
                .order_by(M.c.id)
            )
        ).all()
        header = {r.id: r.message_id_header for r in rows}
        groups: dict[str, list[str]] = {}
        for r in rows:
            if r.thread_id:
                groups.setdefault(r.thread_id, []).append(r.message_id_header)
        names = dict((await session.execute(select(T.c.id, T.c.name).where(T.c.id.in_(list(groups))))).all())
        followers = dict(
            (await session.execute(select(FW.c.thread_id, FW.c.user_id).where(FW.c.thread_id.in_(list(groups))))).all()
        )
        counters = (
            await session.execute(
                select(F.c.role, F.c.total_count, F.c.unread_count).where(F.c.owner_id == owner_id).order_by(F.c.id)
            )
        ).all()
        recount = (
            await session.execute(
                select(F.c.role, func.count(M.c.id), func.count(M.c.id).filter(M.c.was_read.is_(False)))
                .select_from(F.outerjoin(M, M.c.folder_id == F.c.id))
                .where(F.c.owner_id == owner_id)
                .group_by(F.c.id, F.c.role)
                .order_by(F.c.id)
            )
        ).all()
        if db.dialect == "sqlite":
            search_sql = "SELECT rowid, subject || '|' || body || '|' || people FROM message_search"
        else:
            search_sql = "SELECT message_id, document::text FROM message_search"
        search = {header[i]: doc for i, doc in (await session.execute(text(search_sql))).all() if i in header}
        log = (
            await session.execute(
                select(C.c.modseq, C.c.kind, C.c.message_id).where(C.c.owner_id == owner_id).order_by(C.c.modseq)
            )
        ).all()
    assert list(counters) == list(recount), "counters equal a recount"
    return {
        "messages": [(r.message_id_header, r.subject, r.was_read) for r in rows],
        "threads": sorted(sorted(g) for g in groups.values()),
        "thread names": sorted((min(g), names[t]) for t, g in groups.items()),
        "followed by the owner": all(followers.get(t) == owner_id for t in groups),
        "counters": list(counters),
        "search": search,
        "message changes": [(kind, header.get(mid)) for _, kind, mid in log if kind != "folder_updated"],
    }


def folder_updates(log_kinds: Iterator[str]) -> int:
    return sum(1 for k in log_kinds if k == "folder_updated")


async def import_as(
    db: Database, login: str, data: bytes, batch: int, pool: Executor | None = None
) -> tuple[int, ImportOutcome, list[str]]:
    user = await make_user(db, login)
    with counting(db) as statements:
        outcome = await import_messages(db, user.id, io.BytesIO(data), None, "x", batch_messages=batch, parse_pool=pool)
    return user.id, outcome, statements


async def test_batches_give_what_one_by_one_gives(db: Database) -> None:
    data = shuffled_mailbox(seed=7)

    batched_id, batched, batched_statements = await import_as(db, "batched", data, 37)
    single_id, single, single_statements = await import_as(db, "single", data, 1)
    # As import-mbox runs it: each batch parsed in another process while the one before is stored.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled_id, pooled, _ = await import_as(db, "pooled", data, 37, pool)

    assert (batched.created, batched.failed) == (single.created, single.failed) == (360, 0)
    got, want = await snapshot(db, batched_id), await snapshot(db, single_id)
    assert got["threads"] == want["threads"]
    # 60 groups and 10 chains; a chain whose middle arrives last can stay split in two, as one by one.
    assert 70 <= len(got["threads"]) < 80
    pooled_got = await snapshot(db, pooled_id)
    for key in want:
        assert got[key] == want[key], key
        assert pooled_got[key] == want[key], key
    assert pooled.created == 360
    assert len(got["search"]) == 360
    # One folder update per unit of work: 10 batches against 360.
    async with db.read() as session:
        kinds = (await session.execute(select(C.c.owner_id, C.c.kind))).all()
    assert folder_updates(k for o, k in kinds if o == batched_id) == 10
    assert folder_updates(k for o, k in kinds if o == single_id) == 360
    # Statements grow with batches, not messages; finding each message's conversation
    # (resolvers/conversation_assign) is the one step that still looks per message.
    batched_mail = [s for s in batched_statements if "conversation" not in s]
    # 19 a batch: the mail's 16, the address book's upsert and terms, and the owner's address.
    assert len(batched_mail) <= 10 * 19 + 2, batched_mail
    assert len(single_statements) >= 360 * 8


async def test_statements_per_batch_do_not_depend_on_its_size(db: Database) -> None:
    small = b"".join(mf.mbox_of(mf.mixed_message(i) for i in range(20)))
    large = b"".join(mf.mbox_of(mf.mixed_message(i) for i in range(400)))

    _, outcome_small, few = await import_as(db, "small", small, 500)
    _, outcome_large, many = await import_as(db, "large", large, 500)

    assert (outcome_small.created, outcome_large.created) == (20, 400)
    # Finding each message's conversation looks per message (resolvers/conversation_assign).
    many = [s for s in many if "conversation" not in s]
    few = [s for s in few if "conversation" not in s]
    assert len(many) == len(few), (few, many)
