"""A page of the list costs a handful of SQL statements, whatever its size."""

from __future__ import annotations

from db.engine import Database
from tests.utils.factories import deliver, folder_id, follow, make_label, make_thread, make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting

LIST = """query($folderId: ID, $first: Int) { messages(folderId: $folderId, first: $first) {
  nodes { id subject folder { name } thread { name } labels { name } attachments { fileName } } } }"""

THREADS = """query($first: Int) { mailThreads(first: $first) { totalCount nodes { id name
  followers { since user { login } } messageIsFollower messageNeedaction messageNeedactionCounter
  messageHasError messageAttachmentCount hasMessage } } }"""


async def test_message_page_costs_the_same_for_1_and_50(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    labels = [(await make_label(db, user, f"label {i}")).id for i in range(3)]
    threads = [await make_thread(db, user, f"thread {i}") for i in range(5)]
    for i in range(50):
        await deliver(
            db, user, subject=f"message {i}", thread_id=threads[i % 5], label_ids=labels[: 1 + i % 3],
            files=[(f"file {i}.txt", "text/plain", f"{i}".encode()), ("same.txt", "text/plain", b"same")],
        )  # fmt: skip
    inbox = str(await folder_id(db, user, "INBOX"))
    me = await client.login("user_test")
    await me.data(LIST, {"folderId": inbox, "first": 1})  # warm caches

    counts = {}
    for first in (1, 50):
        with counting(db) as statements:
            nodes = (await me.data(LIST, {"folderId": inbox, "first": first}))["messages"]["nodes"]
        assert len(nodes) == first
        assert all(n["folder"] and n["thread"] and n["labels"] and len(n["attachments"]) == 2 for n in nodes)
        counts[first] = len(statements)
    assert counts[1] == counts[50], counts
    assert counts[50] <= 6, counts


async def test_every_folder_page_costs_the_same_too(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    label = (await make_label(db, user, "l")).id
    thread = await make_thread(db, user, "t")
    for i in range(20):
        folder = ("INBOX", "SENT", "ARCHIVE")[i % 3]
        await deliver(db, user, folder=folder, thread_id=thread, label_ids=[label], files=[("f", "text/plain", b"f")])
    me = await client.login("user_test")
    counts = {}
    for first in (1, 20):
        with counting(db) as statements:
            await me.data(LIST, {"first": first})
        counts[first] = len(statements)
    assert counts[1] == counts[20] and counts[20] <= 7, counts


async def test_thread_page_has_no_n_plus_1(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    others = [await make_user(db, f"other{i}") for i in range(3)]
    for i in range(20):
        key = await make_thread(db, user, f"thread {i}", followers=tuple(o.id for o in others[: 1 + i % 3]))
        await deliver(db, user, thread_id=key, files=[("f", "text/plain", b"f")], was_read=bool(i % 2))
    await follow(db, key, others[0].id)
    me = await client.login("user_test")
    await me.data(THREADS, {"first": 2})

    counts = {}
    for first in (2, 20):
        with counting(db) as statements:
            nodes = (await me.data(THREADS, {"first": first}))["mailThreads"]["nodes"]
        assert len(nodes) == first and all(n["followers"] and n["hasMessage"] for n in nodes)
        counts[first] = len(statements)
    assert counts[2] == counts[20], counts
    assert counts[20] <= 8, counts
