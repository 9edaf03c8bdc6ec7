"""A page of a folder reads the page, not the folder: PostgreSQL's plan for every order.

With enough rows in several folders and owners, and fresh statistics, the
listing statement that ``list_messages`` sends is EXPLAINed as sent: an index
scan that stops after the page, over the index whose leading column is the
folder (or the owner, listing every folder) and whose next column is the order's
key. No Sort node (the folder is not sorted), no Bitmap Heap Scan (the folder is
not read whole).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import event, insert, text

from db.engine import Database
from db.models import Message, table_of
from db.types import utcnow
from resolvers.mailbox import folder_by_role
from resolvers.messages import MessageOrdering, OrderField, list_messages
from tests.utils.factories import make_user, viewer_of

ROWS_PER_FOLDER = 6000
#: The columns without a Python-side default on the table (sa_column fields).
BLANK: dict[str, Any] = {
    "kind": "EMAIL", "preview": "", "to_addrs": [], "cc_addrs": [], "bcc_addrs": [], "reply_to_addrs": [],
    "from_text": "", "to_text": "", "references": [], "event_invite_status": "NONE", "delivery_status": "NONE",
    "delivery_errors": [], "tracking_values": [],
}  # fmt: skip


@contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The (SQL, parameters) sent on ``db``'s engines inside the block."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", keep)


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


async def fill(db: Database, owner_id: int, folder_id: int, count: int, start: int) -> None:
    now = utcnow()
    rows = [
        {
            "owner_id": owner_id,
            "folder_id": folder_id,
            "subject": f"subject {(start + i) * 7919 % 10007}",
            "subject_sort": f"subject {(start + i) * 7919 % 10007}",
            "from_address": f"sender{i % 97}@example.org",
            "from_sort": f"sender{i % 97}@example.org",
            "date": now - timedelta(minutes=start + i),
            "updated_at": now,
            "size": (start + i) * 104729 % 1_000_003,
            **BLANK,
        }
        for i in range(count)
    ]
    async with db.write() as session:
        await session.execute(insert(table_of(Message)), rows)


@pytest.mark.slow
async def test_every_listing_order_reads_only_its_page(db: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    me, other = await make_user(db, "user_test"), await make_user(db, "other")
    async with db.read() as session:
        mine = {role: await folder_by_role(session, me.id, role) for role in ("INBOX", "ARCHIVE", "SENT", "TRASH")}
        theirs = await folder_by_role(session, other.id, "INBOX")
    start = itertools.count(step=ROWS_PER_FOLDER)
    for folder in (*mine.values(), theirs):
        await fill(db, folder.owner_id, folder.id, ROWS_PER_FOLDER, next(start))
    async with db.engine.connect() as conn:
        await conn.execute(text("ANALYZE messages"))
        await conn.execute(text("ANALYZE folders"))

    inbox = mine["INBOX"]
    for field, descending, every in itertools.product(OrderField, (True, False), (False, True)):
        order = MessageOrdering(field, descending)
        async with db.read() as session:
            with captured(db) as sent:
                page = await list_messages(session, viewer_of(me), None if every else inbox, order=order, first=50)
            assert len(page.items) == 50
            statement, parameters = sent[-1]
            conn = await session.connection()
            explained = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)).scalar_one()
        plan = (orjson.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
        kinds = [n["Node Type"] for n in nodes(plan)]
        where = f"{order.name} {'every folder' if every else 'INBOX'}: {kinds}"
        assert "Sort" not in kinds and "Incremental Sort" not in kinds, where
        assert "Bitmap Heap Scan" not in kinds and "Seq Scan" not in [
            n["Node Type"] for n in nodes(plan) if n.get("Relation Name") == "messages"
        ], where
        used = {n.get("Index Name") for n in nodes(plan) if n.get("Relation Name") == "messages"}
        leading = "owner" if every else "folder"
        key = {"DATE": "date", "SUBJECT": "subject", "FROM": "from", "SIZE": "size"}[field.value]
        assert used == {f"ix_messages_{leading}_{key}"}, (where, used)
