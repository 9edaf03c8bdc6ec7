"""Reading mail threads: one, the filtered and ordered list, key checks and drafts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from db.engine import Database
from db.models import MailThread, table_of
from tests.utils.factories import deliver, follow, make_thread, make_user
from tests.utils.graphql import Client

LIST = """query($filter: MailThreadFilter, $orderBy: MailThreadOrder, $first: Int, $after: String, $offset: Int) {
  mailThreads(filter: $filter, orderBy: $orderBy, first: $first, after: $after, offset: $offset) {
    totalCount nodes { id name } edges { cursor }
    pageInfo { hasNextPage hasPreviousPage endCursor } } }"""

T0 = datetime(2025, 6, 1, 8, 0, 0, 250000, tzinfo=UTC)


async def set_times(db: Database, key: str, created: datetime, updated: datetime) -> None:
    threads = table_of(MailThread)
    async with db.write() as session:
        await session.execute(update(threads).where(threads.c.id == key).values(created_at=created, updated_at=updated))


@dataclass
class Threads:
    me: Client
    keys: dict[str, str]


@pytest.fixture
async def threads(db: Database, client: Client) -> Threads:
    me = await make_user(db, "user_test")
    other = await make_user(db, "other")
    keys = {
        # followed, with an unread message
        "supply": await make_thread(db, me, "Поставка ОБОРУДОВАНИЯ", key="supply"),
        # followed, everything read
        "contract": await make_thread(db, me, "Договор аренды", key="contract"),
        # not followed, but the user has a message in it
        "audit": await make_thread(db, other, "Audit 2025", key="audit"),
        # someone else's entirely
        "secret": await make_thread(db, other, "Секретный проект", key="secret"),
    }
    await deliver(db, me, subject="unread", thread_id="supply")
    await deliver(db, me, subject="read", thread_id="contract", was_read=True)
    await deliver(db, me, subject="audit copy", thread_id="audit", was_read=True)
    await deliver(db, other, subject="theirs", thread_id="secret")
    await set_times(db, "supply", T0, T0 + timedelta(days=3))
    await set_times(db, "contract", T0 + timedelta(days=1), T0 + timedelta(days=1))
    await set_times(db, "audit", T0 + timedelta(days=2), T0 + timedelta(days=5, microseconds=1))
    return Threads(await client.login("user_test"), keys)


async def names(box: Threads, **variables: Any) -> list[str]:
    return [n["id"] for n in (await box.me.data(LIST, variables))["mailThreads"]["nodes"]]


async def test_threads_the_user_follows_or_has_messages_in(threads: Threads) -> None:
    data = (await threads.me.data(LIST, {}))["mailThreads"]
    assert [n["id"] for n in data["nodes"]] == ["audit", "supply", "contract"]  # recently updated first
    assert data["totalCount"] == 3


async def test_filters(threads: Threads) -> None:
    assert await names(threads, filter={"idEq": "contract"}) == ["contract"]
    assert await names(threads, filter={"idEq": "secret"}) == []
    assert await names(threads, filter={"nameLike": "оборудован"}) == ["supply"]
    assert await names(threads, filter={"nameLike": "ПОСТАВКА"}) == ["supply"]
    assert await names(threads, filter={"nameLike": "АРЕНД"}) == ["contract"]
    assert await names(threads, filter={"nameLike": "audit"}) == ["audit"]
    assert await names(threads, filter={"nameLike": "%"}) == []
    assert await names(threads, filter={"nameLike": "секрет"}) == []
    assert await names(threads, filter={"isFollower": True}) == ["supply", "contract"]
    assert await names(threads, filter={"isFollower": False}) == ["audit"]
    assert await names(threads, filter={"needaction": True}) == ["supply"]
    assert await names(threads, filter={"needaction": False}) == ["audit", "contract"]
    assert await names(threads, filter={"isFollower": True, "needaction": False}) == ["contract"]
    total = await threads.me.data("{ mailThreads(filter: {isFollower: true}, first: 1) { totalCount nodes { id } } }")
    assert total["mailThreads"] == {"totalCount": 2, "nodes": [{"id": "supply"}]}


async def test_orders(threads: Threads) -> None:
    def by(field: str, direction: str) -> dict[str, Any]:
        return {"orderBy": {"field": field, "direction": direction}}

    assert await names(threads, **by("NAME", "ASC")) == ["audit", "contract", "supply"]
    assert await names(threads, **by("NAME", "DESC")) == ["supply", "contract", "audit"]
    assert await names(threads, **by("CREATED_AT", "ASC")) == ["supply", "contract", "audit"]
    assert await names(threads, **by("CREATED_AT", "DESC")) == ["audit", "contract", "supply"]
    assert await names(threads, **by("UPDATED_AT", "ASC")) == ["contract", "supply", "audit"]


@pytest.mark.parametrize("field", ["NAME", "CREATED_AT", "UPDATED_AT"])
async def test_after_and_offset_paging(threads: Threads, field: str) -> None:
    for direction in ("ASC", "DESC"):
        order = {"field": field, "direction": direction}
        everything = await names(threads, orderBy=order)
        seen: list[str] = []
        after = None
        while True:
            page = (await threads.me.data(LIST, {"orderBy": order, "first": 1, "after": after}))["mailThreads"]
            seen += [n["id"] for n in page["nodes"]]
            assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
            assert page["totalCount"] == 3
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == everything
        assert await names(threads, orderBy=order, first=2, offset=1) == everything[1:]


async def test_one_thread_by_id(threads: Threads) -> None:
    data = await threads.me.data(
        """query($id: ID!) { mailThread(id: $id) { id name createdAt updatedAt
             followers { user { login } since } hasMessage messageIsFollower messageNeedaction
             messageNeedactionCounter messageHasError messageHasErrorCounter messageHasSmsError
             messageAttachmentCount attachments { id } printUrl
             messages { totalCount nodes { subject } } } }""",
        {"id": "supply"},
    )
    t = data["mailThread"]
    assert (t["id"], t["name"]) == ("supply", "Поставка ОБОРУДОВАНИЯ")
    assert datetime.fromisoformat(t["createdAt"]) == T0
    assert datetime.fromisoformat(t["updatedAt"]) == T0 + timedelta(days=3)
    assert [f["user"]["login"] for f in t["followers"]] == ["user_test"]
    assert (t["hasMessage"], t["messageIsFollower"], t["messageNeedaction"], t["messageNeedactionCounter"]) == (
        True,
        True,
        True,
        1,
    )
    assert (t["messageHasError"], t["messageHasErrorCounter"], t["messageHasSmsError"]) == (False, 0, False)
    assert t["messageAttachmentCount"] == 0 and t["attachments"] == []
    assert t["printUrl"].startswith("http://testserver/files/print/supply?exp=")
    assert t["messages"] == {"totalCount": 1, "nodes": [{"subject": "unread"}]}

    audit = (await threads.me.data('{ mailThread(id: "audit") { messageIsFollower hasMessage } }'))["mailThread"]
    assert audit == {"messageIsFollower": False, "hasMessage": True}


async def test_key_exists_for_any_users_thread(threads: Threads) -> None:
    query = "query($id: ID!) { mailThreadKeyExists(id: $id) }"
    assert (await threads.me.data(query, {"id": "supply"}))["mailThreadKeyExists"] is True
    assert (await threads.me.data(query, {"id": "secret"}))["mailThreadKeyExists"] is True
    assert (await threads.me.data(query, {"id": "nothing-here"}))["mailThreadKeyExists"] is False


async def test_draft_thread_for_a_creation_form(threads: Threads) -> None:
    draft = await threads.me.data(
        """{ mailThreadDraft(input: {name: "  Новая тема  "}) { id name followers { id } hasMessage
             messageNeedactionCounter messages { totalCount } } }"""
    )
    d = draft["mailThreadDraft"]
    assert len(d["id"]) == 36 and d["name"] == "Новая тема"
    assert (d["followers"], d["hasMessage"], d["messageNeedactionCounter"]) == ([], False, 0)
    assert d["messages"]["totalCount"] == 0
    chosen = await threads.me.data('{ mailThreadDraft(input: {id: "my-key"}) { id name } }')
    assert chosen["mailThreadDraft"] == {"id": "my-key", "name": ""}
    empty = await threads.me.data("{ mailThreadDraft { id } }")
    assert len(empty["mailThreadDraft"]["id"]) == 36
    codes = await threads.me.error_codes('{ mailThreadDraft(input: {id: " padded "}) { id } }')
    assert codes == ["BAD_USER_INPUT"]
    # a draft saves nothing
    exists = await threads.me.data('{ mailThreadKeyExists(id: "my-key") }')
    assert exists["mailThreadKeyExists"] is False


async def test_follower_sees_a_thread_without_messages(db: Database, client: Client) -> None:
    owner = await make_user(db, "owner")
    reader = await make_user(db, "reader")
    await make_thread(db, owner, "Shared", key="shared")
    me = await client.login("reader")
    assert (await me.data("{ mailThreads { totalCount } }"))["mailThreads"]["totalCount"] == 0

    await follow(db, "shared", reader.id)

    data = await me.data("{ mailThreads { nodes { id messageIsFollower hasMessage } } }")
    assert data["mailThreads"]["nodes"] == [{"id": "shared", "messageIsFollower": True, "hasMessage": False}]
