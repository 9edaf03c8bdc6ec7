"""Destroying messages removes everything that hangs off them, and frees blobs nobody uses."""

from __future__ import annotations

from sqlalchemy import func, select, text

from db.engine import Database
from db.models import Attachment, Blob, MessageBody, MessageLabel, table_of
from resolvers.blobs import put_blob, sha256_hex
from tests.schema.test_bulk import DELETE, assert_counters, folder_of
from tests.utils.factories import deliver, make_label, make_user
from tests.utils.graphql import Client


async def _count(db: Database, table: object, where: object) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(table).where(where))).scalar_one())  # type: ignore[arg-type]


async def _search_rows(db: Database, message_id: int) -> int:
    column = "rowid" if db.is_sqlite else "message_id"
    async with db.read() as session:
        sql = f"SELECT count(*) FROM message_search WHERE {column} = :id"
        return int((await session.execute(text(sql), {"id": message_id})).scalar_one())


async def test_destroy_frees_only_unshared_blobs(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    tag = await make_label(db, user, "tag")
    shared, own, raw = b"shared bytes", b"only this message", b"From: x\r\n\r\nraw source"
    async with db.write() as session:
        raw_digest = await put_blob(session, raw)
    doomed = await deliver(
        db,
        user,
        subject="уникальноеслово",
        files=[("a.txt", "text/plain", shared), ("b.txt", "text/plain", own)],
        label_ids=[tag.id],
        raw_sha256=raw_digest,
    )
    keeper = await deliver(db, user, files=[("a.txt", "text/plain", shared)])
    blobs = table_of(Blob)
    attachments = table_of(Attachment)
    assert await _search_rows(db, doomed) == 1
    me = await client.login("user_test")

    result = (await me.data(DELETE, {"ids": [str(doomed)], "p": True}))["deleteMessages"]
    assert result["count"] == 1 and result["messages"] == []

    assert await _count(db, blobs, blobs.c.sha256 == sha256_hex(own)) == 0
    assert await _count(db, blobs, blobs.c.sha256 == raw_digest) == 0
    assert await _count(db, blobs, blobs.c.sha256 == sha256_hex(shared)) == 1
    assert await _count(db, attachments, attachments.c.message_id == doomed) == 0
    assert await _count(db, attachments, attachments.c.message_id == keeper) == 1
    assert await _count(db, table_of(MessageBody), table_of(MessageBody).c.message_id == doomed) == 0
    assert await _count(db, table_of(MessageLabel), table_of(MessageLabel).c.message_id == doomed) == 0
    assert await _search_rows(db, doomed) == 0
    assert await _search_rows(db, keeper) == 1
    found = await me.data('{ messages(filter: {query: "уникальноеслово"}) { totalCount } }')
    assert found["messages"]["totalCount"] == 0
    state = await assert_counters(db, me, user)
    assert folder_of(state, "INBOX")["totalCount"] == 1 and state["labels"][0]["messageCount"] == 0

    # the other copy still downloads its attachment; destroying it frees the shared blob too
    await me.data(DELETE, {"ids": [str(keeper)]})
    await me.data(DELETE, {"ids": [str(keeper)]})
    assert await _count(db, blobs, blobs.c.sha256 == sha256_hex(shared)) == 0
    await assert_counters(db, me, user)


async def test_delete_mixes_trash_and_destroy(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    in_trash = await deliver(db, user, folder="TRASH")
    in_inbox = await deliver(db, user)
    me = await client.login("user_test")
    result = (await me.data(DELETE, {"ids": [str(in_inbox), str(in_trash)]}))["deleteMessages"]
    assert result["count"] == 2
    assert [m["id"] for m in result["messages"]] == [str(in_inbox)]
    assert result["messages"][0]["folder"]["role"] == "TRASH"
    state = await assert_counters(db, me, user)
    assert folder_of(state, "TRASH")["totalCount"] == 1 and folder_of(state, "INBOX")["totalCount"] == 0
