"""A user only ever sees their own mailbox: someone else's id is answered like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from db.engine import Database
from tests.utils.factories import deliver, folder_id, make_folder, make_label, make_thread, make_user
from tests.utils.graphql import Client

MISSING = "987654"


@dataclass
class Alice:
    message: int
    attachment: str
    folder: int
    custom_folder: int
    label: int
    thread: str


@pytest.fixture
async def alice(db: Database, client: Client) -> Alice:
    a = await make_user(db, "alice")
    await make_user(db, "bob")
    label = await make_label(db, a, "Alice only")
    thread = await make_thread(db, a, "Alice's thread", key="alice-thread")
    message = await deliver(
        db, a, subject="For Alice", body="секрет", files=[("a.txt", "text/plain", b"a")],
        label_ids=[label.id], thread_id=thread,
    )  # fmt: skip
    custom = await make_folder(db, a, "Alice's folder")
    me = await client.login("alice")
    attachment = (await me.data("query($id: ID!) { message(id: $id) { attachments { id } } }", {"id": message}))[
        "message"
    ]["attachments"][0]["id"]
    return Alice(message, attachment, await folder_id(db, a, "INBOX"), custom, label.id, thread)


async def error(me: Client, query: str, **variables: Any) -> tuple[str, str]:
    body = await me.execute(query, variables)
    assert body["data"] is None or all(v is None for v in body["data"].values()), body
    [err] = body["errors"]
    return err["extensions"]["code"], err["message"].replace(str(variables.get("id")), "<id>")


BY_ID = {
    "message": "query($id: ID!) { message(id: $id) { id subject } }",
    "attachment": "query($id: ID!) { attachment(id: $id) { id fileName } }",
    "folder": "query($id: ID!) { folder(id: $id) { id name } }",
    "mailThread": "query($id: ID!) { mailThread(id: $id) { id name } }",
    "messages in folder": "query($id: ID) { messages(folderId: $id) { totalCount } }",
    "label filter": "query($id: ID!) { messages(filter: {labelIds: [$id]}) { totalCount } }",
}


@pytest.mark.parametrize("kind", list(BY_ID))
async def test_someone_elses_id_is_answered_like_a_missing_one(client: Client, alice: Alice, kind: str) -> None:
    bob = await client.login("bob")
    theirs = {
        "message": alice.message,
        "attachment": alice.attachment,
        "folder": alice.custom_folder,
        "mailThread": alice.thread,
        "messages in folder": alice.folder,
        "label filter": alice.label,
    }[kind]
    query = BY_ID[kind]

    foreign = await error(bob, query, id=str(theirs))
    missing = await error(bob, query, id=MISSING)
    malformed = await error(bob, query, id="abc")

    assert foreign[0] == missing[0] == malformed[0] == "NOT_FOUND"
    assert foreign[1] == missing[1] == malformed[1]


async def test_alice_still_sees_her_own(client: Client, alice: Alice) -> None:
    me = await client.login("alice")
    for kind, query in BY_ID.items():
        ident = {
            "message": alice.message,
            "attachment": alice.attachment,
            "folder": alice.custom_folder,
            "mailThread": alice.thread,
            "messages in folder": alice.folder,
            "label filter": alice.label,
        }[kind]
        assert await me.data(query, {"id": str(ident)}), kind


async def test_listings_never_show_someone_elses_data(db: Database, client: Client, alice: Alice) -> None:
    bob_user = await make_user(db, "bob2")
    await deliver(db, bob_user, subject="For Bob", thread_id=alice.thread)  # a copy in a shared thread
    bob = await client.login("bob2")

    data = await bob.data(
        """{ folders { id name totalCount } labels { id }
             messages { totalCount nodes { id subject labels { id } attachments { id } } }
             search: messages(filter: {query: "секрет"}) { totalCount }
             byThread: messages(filter: {threadId: "alice-thread"}) { nodes { subject } }
             mailThreads { totalCount nodes { id attachments { id } messageAttachmentCount
               messages { nodes { subject } } } } }"""
    )

    folder_ids = {int(f["id"]) for f in data["folders"]}
    assert alice.folder not in folder_ids and alice.custom_folder not in folder_ids
    assert all(f["totalCount"] == (1 if f["name"] == "Inbox" else 0) for f in data["folders"])
    assert data["labels"] == []
    assert [n["subject"] for n in data["messages"]["nodes"]] == ["For Bob"]
    assert data["messages"]["nodes"][0]["labels"] == [] and data["messages"]["nodes"][0]["attachments"] == []
    assert data["search"]["totalCount"] == 0
    assert data["byThread"]["nodes"] == [{"subject": "For Bob"}]
    # Bob has a message in Alice's thread, so he sees the thread, but only his part of it.
    [thread] = data["mailThreads"]["nodes"]
    assert thread["id"] == alice.thread and thread["attachments"] == [] and thread["messageAttachmentCount"] == 0
    assert thread["messages"]["nodes"] == [{"subject": "For Bob"}]

    await make_user(db, "carol")
    carol = await client.login("carol")
    empty = await carol.data("{ labels { id } messages { totalCount nodes { id } } mailThreads { totalCount } }")
    assert empty == {"labels": [], "messages": {"totalCount": 0, "nodes": []}, "mailThreads": {"totalCount": 0}}
