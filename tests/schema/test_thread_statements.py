"""A page of mail threads costs the same SQL statements for 2 threads as for 100."""

from __future__ import annotations

from db.engine import Database
from resolvers.thread_store import insert_thread
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting

THREADS = """query($first: Int) { mailThreads(first: $first) { totalCount nodes { id name
  followers { id since user { login name } } messageIsFollower messageNeedaction messageNeedactionCounter
  messageHasError messageHasErrorCounter messageHasSmsError messageAttachmentCount hasMessage
  attachments { fileName } } } }"""


async def test_follower_lookups_for_a_page_are_one_statement(db: Database, client: Client) -> None:
    me = await make_user(db, "user_test")
    others = [await make_user(db, f"follower{i}") for i in range(3)]
    async with db.write() as session:
        keys = [
            (await insert_thread(session, me.id, f"Тема {i:03}", f"t{i:03}", [o.id for o in others[: 1 + i % 3]])).id
            for i in range(100)
        ]
    for key in keys[:3]:
        await deliver(db, me, subject=key, thread_id=key, files=[("f.txt", "text/plain", b"f")])
    await deliver(db, me, folder="SENT", subject="bounced", thread_id=keys[1], delivery_status="FAILED", was_read=True)
    client_ = await client.login("user_test")
    await client_.data(THREADS, {"first": 2})  # warm caches

    counts: dict[int, int] = {}
    follower_queries: dict[int, int] = {}
    for first in (2, 100):
        with counting(db) as statements:
            nodes = (await client_.data(THREADS, {"first": first}))["mailThreads"]["nodes"]
        assert len(nodes) == first
        assert all(n["followers"] and n["messageIsFollower"] and n["messageHasSmsError"] is False for n in nodes)
        counts[first] = len(statements)
        follower_queries[first] = sum(1 for s in statements if "FROM followers" in s and "mail_threads" not in s)
    assert counts[2] == counts[100], counts
    assert follower_queries == {2: 1, 100: 1}, follower_queries
    by_id = {n["id"]: n for n in nodes}
    assert by_id["t000"]["hasMessage"] is True and by_id["t000"]["messageNeedactionCounter"] == 1
    assert by_id["t000"]["messageAttachmentCount"] == 1
    assert by_id["t099"]["hasMessage"] is False and by_id["t099"]["messageAttachmentCount"] == 0
    assert len(by_id["t002"]["followers"]) == 4
    assert by_id["t001"]["messageHasError"] is True and by_id["t001"]["messageHasErrorCounter"] == 1
    assert by_id["t001"]["messageNeedactionCounter"] == 1 and by_id["t000"]["messageHasError"] is False
