"""The mail_thread walk-through over HTTP: create, read, follow, post, notify, attach, track, delete."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import Attachment, Blob, table_of
from resolvers.blobs import sha256_hex
from tests.utils.factories import make_user
from tests.utils.graphql import Client

THREAD = """id name createdAt updatedAt followers { id since user { login } } attachments { fileName }
  hasMessage messageAttachmentCount messageHasError messageHasErrorCounter messageHasSmsError
  messageIsFollower messageNeedaction messageNeedactionCounter"""
MESSAGE = """id kind subject body wasRead wasSent folder { role } thread { id } from { address }
  to { address } messageId attachments { fileName sha256 } trackingValues { field oldValue newValue }"""

GET = f"query($id: ID!) {{ mailThread(id: $id) {{ {THREAD} }} }}"
CREATE = f"mutation($input: MailThreadInput!) {{ createMailThread(input: $input) {{ {THREAD} }} }}"
UPDATE = f"mutation($id: ID!, $input: MailThreadInput!) {{ updateMailThread(id: $id, input: $input) {{ {THREAD} }} }}"
SAVE = f"mutation($input: MailThreadInput!) {{ saveMailThread(input: $input) {{ {THREAD} }} }}"
FOLLOW = "mutation($id: ID!, $u: [ID!]) { followMailThread(id: $id, userIds: $u) { followers { user { login } } } }"
UNFOLLOW = "mutation($id: ID!, $u: [ID!]) { unfollowMailThread(id: $id, userIds: $u) { followers { user { login } } } }"
POST = f"mutation($t: ID!, $input: PostMessageInput!) {{ postMessage(threadId: $t, input: $input) {{ {MESSAGE} }} }}"
NOTIFY = f"mutation($t: ID!, $input: NotifyInput!) {{ notify(threadId: $t, input: $input) {{ {MESSAGE} }} }}"
PROCESS = """mutation($t: ID!, $a: [ID!]!) { processAttachmentsForPost(threadId: $t, attachmentIds: $a) {
  id fileName mailThread { id } message { id } } }"""
PREPARE = "mutation($t: ID!) { trackPrepare(threadId: $t) }"
FINALIZE = f"mutation($t: ID!) {{ trackFinalize(threadId: $t) {{ {MESSAGE} }} }}"
DISCARD = "mutation($t: ID!) { trackDiscard(threadId: $t) }"
MESSAGE_TRACK = f"""mutation($t: ID!, $c: [TrackingChangeInput!]!) {{ messageTrack(threadId: $t, changes: $c) {{
  {MESSAGE} }} }}"""
MAIL_TRACK = """mutation($t: ID!, $f: [String!]!, $v: JSON!) {
  mailTrack(threadId: $t, trackedFields: $f, initialValues: $v) { field oldValue newValue } }"""
LIST = """query($filter: MailThreadFilter, $first: Int, $after: String) {
  mailThreads(filter: $filter, first: $first, after: $after) {
    totalCount nodes { id name } edges { cursor } pageInfo { hasNextPage endCursor } } }"""
THREAD_MESSAGES = f"""query($t: ID!) {{ messages(filter: {{threadId: $t}}) {{ totalCount unreadCount
  nodes {{ {MESSAGE} }} }} }}"""
MARK_READ = "mutation($ids: [ID!]!) { markAsRead(ids: $ids) { count } }"
UPLOAD = "mutation($file: Upload!) { uploadAttachment(file: $file) { id fileName } }"


async def upload(client: Client, name: str, data: bytes) -> str:
    """A staged upload through uploadAttachment (GraphQL multipart request)."""
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (name, data, "text/plain")},
        headers={"authorization": f"Bearer {client.token}"},
    )
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body
    return str(body["data"]["uploadAttachment"]["id"])


async def thread(client: Client, key: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(GET, {"id": key}))["mailThread"]
    return result


def logins(t: dict[str, Any]) -> list[str]:
    return sorted(f["user"]["login"] for f in t["followers"])


async def test_mail_thread_walkthrough(db: Database, client: Client) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    bob_user = await make_user(db, "bob_test", "Боб Иванов", "bob_test@devr7.ru")
    carol_user = await make_user(db, "carol_test", "Кэрол", "carol_test@devr7.ru")
    me, bob, carol = [await client.login(u) for u in ("user_test", "bob_test", "carol_test")]
    bob_id, carol_id = str(bob_user.id), str(carol_user.id)

    # A draft for the creation form: defaults, a generated key, nothing stored.
    draft = await me.data('{ mailThreadDraft(input: {name: "  Поставка  "}) { id name followers { id } } }')
    assert draft["mailThreadDraft"]["name"] == "Поставка"
    uuid.UUID(draft["mailThreadDraft"]["id"])
    check = "query($id: ID!) { mailThreadKeyExists(id: $id) }"
    assert (await me.data(check, {"id": draft["mailThreadDraft"]["id"]}))["mailThreadKeyExists"] is False
    assert (await me.data(check, {"id": "supply-2025"}))["mailThreadKeyExists"] is False

    # Create with a key, and without one; the creator follows, followerIds add followers.
    supply = await me.data(CREATE, {"input": {"id": "supply-2025", "name": " Поставка оборудования "}})
    supply = supply["createMailThread"]
    assert supply["id"] == "supply-2025" and supply["name"] == "Поставка оборудования"
    assert logins(supply) == ["user_test"] and supply["messageIsFollower"] is True
    assert (await me.data(check, {"id": "supply-2025"}))["mailThreadKeyExists"] is True
    furniture = await me.data(CREATE, {"input": {"name": "Поставка мебели", "followerIds": [bob_id]}})
    furniture = furniture["createMailThread"]
    uuid.UUID(furniture["id"])
    assert logins(furniture) == ["bob_test", "user_test"]

    # A taken key is a CONFLICT for anyone, and saveMailThread of a key one cannot see too.
    assert await bob.error_codes(CREATE, {"input": {"id": "supply-2025", "name": "x"}}) == ["CONFLICT"]
    assert await carol.error_codes(SAVE, {"input": {"id": "supply-2025", "name": "x"}}) == ["CONFLICT"]

    # Get: counters of a fresh thread.
    got = await thread(me, "supply-2025")
    assert got["hasMessage"] is False and got["messageNeedactionCounter"] == 0 and got["messageNeedaction"] is False
    assert got["messageAttachmentCount"] == 0 and got["messageHasError"] is False
    assert got["messageHasErrorCounter"] == 0 and got["messageHasSmsError"] is False
    assert await bob.error_codes(GET, {"id": "supply-2025"}) == ["NOT_FOUND"]

    # Follow: someone else, then the caller by default (a no-op), and unfollow.
    followed = (await me.data(FOLLOW, {"id": "supply-2025", "u": [bob_id, carol_id]}))["followMailThread"]
    assert logins(followed) == ["bob_test", "carol_test", "user_test"]
    assert logins((await bob.data(FOLLOW, {"id": "supply-2025"}))["followMailThread"]) == logins(followed)
    unfollowed = (await carol.data(UNFOLLOW, {"id": "supply-2025"}))["unfollowMailThread"]
    assert logins(unfollowed) == ["bob_test", "user_test"]
    assert await carol.error_codes(GET, {"id": "supply-2025"}) == ["NOT_FOUND"]
    assert (await thread(bob, "supply-2025"))["messageIsFollower"] is True

    # Post: the author's copy is read, in Sent; the follower gets an unread copy in their Inbox.
    assert (await thread(bob, "supply-2025"))["messageNeedactionCounter"] == 0
    post = (await me.data(POST, {"t": "supply-2025", "input": {"body": "Привет, Боб"}}))["postMessage"]
    assert post["kind"] == "COMMENT" and post["wasRead"] is True and post["folder"]["role"] == "SENT"
    assert post["thread"]["id"] == "supply-2025" and post["subject"] == "Поставка оборудования"
    assert post["to"] == [{"address": "bob_test@devr7.ru"}]
    bob_thread = await thread(bob, "supply-2025")
    assert bob_thread["messageNeedactionCounter"] == 1 and bob_thread["messageNeedaction"] is True
    assert bob_thread["hasMessage"] is True
    mine = await thread(me, "supply-2025")
    assert mine["messageNeedactionCounter"] == 0 and mine["hasMessage"] is True
    bob_copy = (await bob.data(THREAD_MESSAGES, {"t": "supply-2025"}))["messages"]["nodes"][0]
    assert bob_copy["kind"] == "COMMENT" and bob_copy["wasRead"] is False and bob_copy["folder"]["role"] == "INBOX"
    assert bob_copy["messageId"] == post["messageId"] and bob_copy["from"]["address"] == "siz_test@devr7.ru"
    needaction = (await bob.data(LIST, {"filter": {"needaction": True}}))["mailThreads"]["nodes"]
    assert [n["id"] for n in needaction] == ["supply-2025"]
    # ... and reading it brings the counter back to 0.
    assert (await bob.data(MARK_READ, {"ids": [bob_copy["id"]]}))["markAsRead"]["count"] == 1
    assert (await thread(bob, "supply-2025"))["messageNeedactionCounter"] == 0

    # Notify a non-follower: they get it, and may now see the thread; followers do not.
    note = await me.data(NOTIFY, {"t": "supply-2025", "input": {"body": "Для сведения", "recipientIds": [carol_id]}})
    assert note["notify"]["kind"] == "NOTIFICATION" and note["notify"]["wasRead"] is True
    carol_thread = await thread(carol, "supply-2025")
    assert carol_thread["messageNeedactionCounter"] == 1 and carol_thread["messageIsFollower"] is False
    assert (await thread(bob, "supply-2025"))["messageNeedactionCounter"] == 0

    # Attachments: a staged upload handed over to the thread, then one posted with a message.
    staged = await upload(me, "Смета.txt", b"estimate")
    processed = (await me.data(PROCESS, {"t": "supply-2025", "a": [staged]}))["processAttachmentsForPost"]
    assert [(a["id"], a["fileName"], a["mailThread"]["id"]) for a in processed] == [
        (staged, "Смета.txt", "supply-2025")
    ]
    assert await me.error_codes(PROCESS, {"t": "supply-2025", "a": [staged]}) == ["NOT_FOUND"]
    assert (await thread(me, "supply-2025"))["messageAttachmentCount"] == 1
    assert (await thread(bob, "supply-2025"))["messageAttachmentCount"] == 1
    posted_file = await upload(me, "План.txt", b"plan")
    with_file = await me.data(POST, {"t": "supply-2025", "input": {"body": "План", "attachmentIds": [posted_file]}})
    assert [a["fileName"] for a in with_file["postMessage"]["attachments"]] == ["План.txt"]
    bob_thread = await thread(bob, "supply-2025")
    assert bob_thread["messageAttachmentCount"] == 2
    assert sorted(a["fileName"] for a in bob_thread["attachments"]) == ["План.txt", "Смета.txt"]
    assert await me.error_codes(POST, {"t": "supply-2025", "input": {"attachmentIds": [posted_file]}}) == ["NOT_FOUND"]

    # Save as update: the rename is tracked and posted to the followers.
    before = (await thread(bob, "supply-2025"))["messageNeedactionCounter"]
    saved = await me.data(SAVE, {"input": {"id": "supply-2025", "name": "Поставка ОБОРУДОВАНИЯ"}})
    assert saved["saveMailThread"]["name"] == "Поставка ОБОРУДОВАНИЯ"
    assert saved["saveMailThread"]["updatedAt"] > supply["updatedAt"]
    assert (await thread(bob, "supply-2025"))["messageNeedactionCounter"] == before + 1
    tracked = [
        n for n in (await bob.data(THREAD_MESSAGES, {"t": "supply-2025"}))["messages"]["nodes"] if n["trackingValues"]
    ]
    assert tracked[-1]["kind"] == "NOTIFICATION" and tracked[-1]["wasRead"] is False
    assert tracked[-1]["trackingValues"] == [
        {"field": "name", "oldValue": "Поставка оборудования", "newValue": "Поставка ОБОРУДОВАНИЯ"}
    ]
    assert "Поставка оборудования → Поставка ОБОРУДОВАНИЯ" in tracked[-1]["body"]

    # Fetch: idEq, nameLike (Cyrillic, any case) and paging.
    by_id = (await me.data(LIST, {"filter": {"idEq": "supply-2025"}}))["mailThreads"]
    assert by_id["totalCount"] == 1 and by_id["nodes"][0]["name"] == "Поставка ОБОРУДОВАНИЯ"
    like = (await me.data(LIST, {"filter": {"nameLike": "ОБОРУДОВАН"}}))["mailThreads"]
    assert [n["id"] for n in like["nodes"]] == ["supply-2025"]
    page1 = (await me.data(LIST, {"filter": {"nameLike": "поставка"}, "first": 1}))["mailThreads"]
    assert page1["totalCount"] == 2 and page1["pageInfo"]["hasNextPage"] is True
    page2 = await me.data(
        LIST, {"filter": {"nameLike": "поставка"}, "first": 1, "after": page1["pageInfo"]["endCursor"]}
    )
    page2 = page2["mailThreads"]
    assert page2["pageInfo"]["hasNextPage"] is False
    assert {page1["nodes"][0]["id"], page2["nodes"][0]["id"]} == {"supply-2025", furniture["id"]}
    # The most recently changed thread comes first.
    assert page1["nodes"][0]["id"] == "supply-2025"

    # Rename between trackPrepare and trackFinalize: one tracking message, from finalize.
    assert (await me.data(PREPARE, {"t": "supply-2025"}))["trackPrepare"] is True
    before = (await thread(bob, "supply-2025"))["messageNeedactionCounter"]
    await me.data(UPDATE, {"id": "supply-2025", "input": {"name": "Поставка 2", "followerIds": [bob_id, carol_id]}})
    assert (await thread(bob, "supply-2025"))["messageNeedactionCounter"] == before
    final = (await me.data(FINALIZE, {"t": "supply-2025"}))["trackFinalize"]
    assert final["kind"] == "NOTIFICATION" and final["wasRead"] is True
    assert final["trackingValues"] == [
        {"field": "name", "oldValue": "Поставка ОБОРУДОВАНИЯ", "newValue": "Поставка 2"},
        {"field": "followers", "oldValue": "bob_test, user_test", "newValue": "bob_test, carol_test"},
    ]
    assert (await thread(bob, "supply-2025"))["messageNeedactionCounter"] == before + 1
    # The author left the followers but still sees the thread: they have messages in it.
    assert (await thread(me, "supply-2025"))["messageIsFollower"] is False

    # Finalize without prepare, with nothing changed, and discard.
    assert await me.error_codes(FINALIZE, {"t": "supply-2025"}) == ["BAD_USER_INPUT"]
    assert (await me.data(PREPARE, {"t": "supply-2025"}))["trackPrepare"] is True
    assert (await me.data(FINALIZE, {"t": "supply-2025"}))["trackFinalize"] is None
    assert (await me.data(PREPARE, {"t": "supply-2025"}))["trackPrepare"] is True
    assert (await me.data(DISCARD, {"t": "supply-2025"}))["trackDiscard"] is True
    assert (await me.data(DISCARD, {"t": "supply-2025"}))["trackDiscard"] is False
    assert await me.error_codes(FINALIZE, {"t": "supply-2025"}) == ["BAD_USER_INPUT"]

    # mailTrack computes, posts nothing; messageTrack posts what it is given.
    count = (await me.data(THREAD_MESSAGES, {"t": "supply-2025"}))["messages"]["totalCount"]
    values = (
        await me.data(
            MAIL_TRACK,
            {
                "t": "supply-2025",
                "f": ["name", "followers"],
                "v": {"name": "Старое", "followers": ["carol_test", "bob_test"]},
            },
        )
    )["mailTrack"]
    assert values == [{"field": "name", "oldValue": "Старое", "newValue": "Поставка 2"}]
    assert (await me.data(MAIL_TRACK, {"t": "supply-2025", "f": ["name"], "v": {"name": "Поставка 2"}}))[
        "mailTrack"
    ] == []
    assert await me.error_codes(MAIL_TRACK, {"t": "supply-2025", "f": ["stage"], "v": {}}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(MAIL_TRACK, {"t": "supply-2025", "f": ["name"], "v": ["x"]}) == ["BAD_USER_INPUT"]
    assert (await me.data(THREAD_MESSAGES, {"t": "supply-2025"}))["messages"]["totalCount"] == count
    change = {"field": "name", "oldValue": "Черновик", "newValue": "Поставка 2"}
    tracked_msg = (await me.data(MESSAGE_TRACK, {"t": "supply-2025", "c": [change]}))["messageTrack"]
    assert tracked_msg["kind"] == "NOTIFICATION" and tracked_msg["trackingValues"] == [change]
    assert (await me.data(THREAD_MESSAGES, {"t": "supply-2025"}))["messages"]["totalCount"] == count + 1
    bad = {"field": "stage", "oldValue": "a", "newValue": "b"}
    assert await me.error_codes(MESSAGE_TRACK, {"t": "supply-2025", "c": [bad]}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(MESSAGE_TRACK, {"t": "supply-2025", "c": []}) == ["BAD_USER_INPUT"]

    # Delete: the thread goes; the messages stay, without a thread; its own files go.
    state = (await bob.data("{ mailboxState }"))["mailboxState"]
    bob_ids = [n["id"] for n in (await bob.data(THREAD_MESSAGES, {"t": "supply-2025"}))["messages"]["nodes"]]
    assert (await me.data("mutation($id: ID!) { deleteMailThread(id: $id) }", {"id": "supply-2025"}))[
        "deleteMailThread"
    ] is True
    assert await me.error_codes(GET, {"id": "supply-2025"}) == ["NOT_FOUND"]
    assert (await me.data(check, {"id": "supply-2025"}))["mailThreadKeyExists"] is False
    kept = (await me.data("query($id: ID!) { message(id: $id) { id thread { id } } }", {"id": post["id"]}))["message"]
    assert kept == {"id": post["id"], "thread": None}
    changes = (
        await bob.data(
            "query($s: String!) { messageChanges(sinceState: $s) { updated { id thread { id } } } }", {"s": state}
        )
    )["messageChanges"]
    assert sorted(m["id"] for m in changes["updated"]) == sorted(bob_ids)
    assert all(m["thread"] is None for m in changes["updated"])
    async with db.read() as session:
        a, b = table_of(Attachment), table_of(Blob)
        assert (await session.execute(select(a.c.id).where(a.c.id == int(staged)))).first() is None
        assert (await session.execute(select(b.c.sha256).where(b.c.sha256 == sha256_hex(b"estimate")))).first() is None
        # The posted file: one row per copy (the author's and bob's), on one blob that stays.
        assert len((await session.execute(select(a.c.id).where(a.c.file_name == "План.txt"))).all()) == 2
        assert (await session.execute(select(b.c.sha256).where(b.c.sha256 == sha256_hex(b"plan")))).first()
