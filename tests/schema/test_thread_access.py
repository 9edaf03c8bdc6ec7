"""Who may touch a mail thread, and what a mutation refuses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from db.engine import Database
from db.models import Attachment, Follower, MailThread, Message, TrackingSnapshot, table_of
from db.types import utcnow
from resolvers.blobs import put_blob
from tests.utils.factories import deliver, make_thread, make_user
from tests.utils.graphql import Client

A = table_of(Attachment)

GET = "query($id: ID!) { mailThread(id: $id) { id } }"
CREATE = (
    "mutation($input: MailThreadInput!) { createMailThread(input: $input) { id name followers { user { login } } } }"
)
UPDATE = "mutation($id: ID!, $input: MailThreadInput!) { updateMailThread(id: $id, input: $input) { id name } }"
SAVE = "mutation($input: MailThreadInput!) { saveMailThread(input: $input) { id name } }"
DELETE = "mutation($id: ID!) { deleteMailThread(id: $id) }"
FOLLOW = "mutation($id: ID!, $u: [ID!]) { followMailThread(id: $id, userIds: $u) { id } }"
UNFOLLOW = "mutation($id: ID!, $u: [ID!]) { unfollowMailThread(id: $id, userIds: $u) { id } }"
POST = "mutation($t: ID!, $input: PostMessageInput!) { postMessage(threadId: $t, input: $input) { id } }"
NOTIFY = "mutation($t: ID!, $input: NotifyInput!) { notify(threadId: $t, input: $input) { id } }"
PROCESS = "mutation($t: ID!, $a: [ID!]!) { processAttachmentsForPost(threadId: $t, attachmentIds: $a) { id } }"
PREPARE = "mutation($t: ID!) { trackPrepare(threadId: $t) }"
FINALIZE = "mutation($t: ID!) { trackFinalize(threadId: $t) { id } }"
DISCARD = "mutation($t: ID!) { trackDiscard(threadId: $t) }"
MESSAGE_TRACK = "mutation($t: ID!, $c: [TrackingChangeInput!]!) { messageTrack(threadId: $t, changes: $c) { id } }"
MAIL_TRACK = """mutation($t: ID!, $f: [String!]!, $v: JSON!) {
  mailTrack(threadId: $t, trackedFields: $f, initialValues: $v) { field } }"""


async def staged(db: Database, owner_id: int, data: bytes = b"file") -> str:
    """A staged upload of ``owner_id``, stored the way uploadAttachment stores one."""
    async with db.write() as session:
        digest = await put_blob(session, data)
        statement = insert(A).values(
            owner_id=owner_id, blob_sha256=digest, file_name="f.txt", mime_type="text/plain",
            size=len(data), is_inline=False, created_at=utcnow(),
        )  # fmt: skip
        return str((await session.execute(statement.returning(A.c.id))).scalar_one())


@dataclass
class World:
    me: Client
    stranger: Client
    member: Client
    me_id: int
    stranger_id: int
    member_id: int


@pytest.fixture
async def world(db: Database, client: Client) -> World:
    me = await make_user(db, "user_test")
    stranger = await make_user(db, "stranger")
    member = await make_user(db, "member")
    await make_thread(db, me, "Секретный проект", key="secret")
    await deliver(db, member, subject="copy", thread_id="secret")  # a member by having a message in it
    return World(
        await client.login("user_test"), await client.login("stranger"), await client.login("member"),
        me.id, stranger.id, member.id,
    )  # fmt: skip


async def test_a_stranger_gets_not_found_everywhere(db: Database, world: World) -> None:
    s, t = world.stranger, "secret"
    attempts: list[tuple[str, dict[str, Any]]] = [
        (GET, {"id": t}),
        (UPDATE, {"id": t, "input": {"name": "mine"}}),
        (DELETE, {"id": t}),
        (FOLLOW, {"id": t}),
        (UNFOLLOW, {"id": t}),
        (POST, {"t": t, "input": {"body": "hi"}}),
        (NOTIFY, {"t": t, "input": {"body": "hi", "recipientIds": [str(world.member_id)]}}),
        (PROCESS, {"t": t, "a": [await staged(db, world.stranger_id)]}),
        (PREPARE, {"t": t}),
        (FINALIZE, {"t": t}),
        (DISCARD, {"t": t}),
        (MESSAGE_TRACK, {"t": t, "c": [{"field": "name", "oldValue": "a", "newValue": "b"}]}),
        (MAIL_TRACK, {"t": t, "f": ["name"], "v": {}}),
        (GET, {"id": "no-such-thread"}),
        (POST, {"t": "no-such-thread", "input": {"body": "hi"}}),
    ]
    for query, variables in attempts:
        assert await s.error_codes(query, variables) == ["NOT_FOUND"], query
    # Nothing changed: no follower, no message, no snapshot for the stranger.
    async with db.read() as session:
        for table, column in ((Follower, "user_id"), (Message, "owner_id"), (TrackingSnapshot, "user_id")):
            t_ = table_of(table)
            n = (await session.execute(select(func.count()).where(t_.c[column] == world.stranger_id))).scalar_one()
            assert n == 0, table
        name = (await session.execute(select(table_of(MailThread).c.name))).scalar_one()
        assert name == "Секретный проект"


async def test_someone_with_a_message_in_the_thread_may_change_it(world: World) -> None:
    renamed = await world.member.data(UPDATE, {"id": "secret", "input": {"name": "Открытый проект"}})
    assert renamed["updateMailThread"]["name"] == "Открытый проект"
    assert (await world.member.data(POST, {"t": "secret", "input": {"body": "hi"}}))["postMessage"]["id"]


async def test_keys_names_and_ids_are_checked(db: Database, world: World) -> None:
    me = world.me
    assert await me.error_codes(CREATE, {"input": {"id": "secret", "name": "again"}}) == ["CONFLICT"]
    assert await world.stranger.error_codes(CREATE, {"input": {"id": "secret", "name": "x"}}) == ["CONFLICT"]
    assert await world.stranger.error_codes(SAVE, {"input": {"id": "secret", "name": "x"}}) == ["CONFLICT"]
    for name in (None, "", "   ", "x" * 1025):
        assert await me.error_codes(CREATE, {"input": {"name": name}}) == ["BAD_USER_INPUT"], name
    assert await me.error_codes(UPDATE, {"id": "secret", "input": {"name": "  "}}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(UPDATE, {"id": "secret", "input": {"id": "other"}}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"input": {"id": " padded", "name": "x"}}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"input": {"name": "x", "followerIds": ["999999"]}}) == ["NOT_FOUND"]
    assert await me.error_codes(FOLLOW, {"id": "secret", "u": ["999999"]}) == ["NOT_FOUND"]
    assert await me.error_codes(POST, {"t": "secret", "input": {"body": "x", "partnerIds": ["999999"]}}) == [
        "NOT_FOUND"
    ]
    assert await me.error_codes(POST, {"t": "secret", "input": {"body": "  "}}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(NOTIFY, {"t": "secret", "input": {"body": "x", "recipientIds": []}}) == [
        "BAD_USER_INPUT"
    ]
    # Someone else's staged upload is not found, and nothing was created on the way.
    theirs = await staged(db, world.stranger_id)
    assert await me.error_codes(CREATE, {"input": {"id": "new-one", "name": "x", "attachmentIds": [theirs]}}) == [
        "NOT_FOUND"
    ]
    assert (await me.data('{ mailThreadKeyExists(id: "new-one") }'))["mailThreadKeyExists"] is False
    # The caller's own upload is handed over on create.
    mine = await staged(db, world.me_id)
    created = await me.data(CREATE, {"input": {"id": "new-one", "name": "x", "attachmentIds": [mine]}})
    assert created["createMailThread"]["id"] == "new-one"
    async with db.read() as session:
        row = (await session.execute(select(A.c.mail_thread_id, A.c.message_id).where(A.c.id == int(mine)))).one()
    assert tuple(row) == ("new-one", None)


async def test_save_creates_then_updates_and_partners_reach_non_followers(db: Database, world: World) -> None:
    me = world.me
    created = (await me.data(SAVE, {"input": {"id": "plan", "name": "План"}}))["saveMailThread"]
    assert created == {"id": "plan", "name": "План"}
    generated = (await me.data(SAVE, {"input": {"name": "Без ключа"}}))["saveMailThread"]
    assert generated["id"] != "plan" and len(generated["id"]) == 36
    updated = (await me.data(SAVE, {"input": {"id": "plan", "name": "План Б"}}))["saveMailThread"]
    assert updated == {"id": "plan", "name": "План Б"}
    # partnerIds give a copy to a non-follower, who may then see the thread.
    assert await world.stranger.error_codes(GET, {"id": "plan"}) == ["NOT_FOUND"]
    await me.data(POST, {"t": "plan", "input": {"body": "hi", "partnerIds": [str(world.stranger_id)]}})
    seen = await world.stranger.data('query { mailThread(id: "plan") { messageNeedactionCounter messageIsFollower } }')
    assert seen["mailThread"] == {"messageNeedactionCounter": 1, "messageIsFollower": False}


async def test_token_permissions_are_checked(db: Database, world: World, client: Client) -> None:
    data = await world.me.data('mutation { createApiToken(name: "read", permissions: [READ]) { token } }')
    reader = client.as_user(data["createApiToken"]["token"])
    assert await reader.error_codes(CREATE, {"input": {"name": "x"}}) == ["FORBIDDEN"]
    assert await reader.error_codes(DELETE, {"id": "secret"}) == ["FORBIDDEN"]
    assert await reader.error_codes(PREPARE, {"t": "secret"}) == ["FORBIDDEN"]
    assert (await reader.data(MAIL_TRACK, {"t": "secret", "f": ["name"], "v": {"name": "x"}}))["mailTrack"] == [
        {"field": "name"}
    ]
