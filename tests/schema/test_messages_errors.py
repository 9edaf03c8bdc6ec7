"""Bad input to the listings: BAD_USER_INPUT with a message for people, never a 500."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from db.engine import Database
from tests.utils.factories import deliver, folder_id, make_user
from tests.utils.graphql import Client

LIST = """query($folderId: ID, $filter: MessageFilter, $orderBy: MessageOrder, $first: Int, $after: String,
  $offset: Int) { messages(folderId: $folderId, filter: $filter, orderBy: $orderBy, first: $first, after: $after,
  offset: $offset) { totalCount nodes { id } pageInfo { endCursor } } }"""


def cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


@pytest.fixture
async def me(db: Database, client: Client) -> Client:
    user = await make_user(db, "user_test")
    for _ in range(3):
        await deliver(db, user)
    return await client.login("user_test")


async def bad(me: Client, query: str = LIST, **variables: Any) -> str:
    """The message of the one error, after checking it is BAD_USER_INPUT without a 500."""
    response = await me.raw(query, variables)
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    message: str = body["errors"][0]["message"]
    return message


async def test_paging_arguments_out_of_bounds(me: Client) -> None:
    assert "between 1 and 200" in await bad(me, first=0)
    assert "between 1 and 200" in await bad(me, first=1000)
    assert "between 1 and 200" in await bad(me, first=-5)
    assert await bad(me, first=10**12)  # not even an Int
    assert "negative" in await bad(me, offset=-1)
    first_page = (await me.data(LIST, {"first": 1}))["messages"]
    assert "not both" in await bad(me, after=first_page["pageInfo"]["endCursor"], offset=1)
    assert (await me.data(LIST, {"first": 200}))["messages"]["totalCount"] == 3


async def test_unknown_sort_is_refused(me: Client) -> None:
    assert await bad(me, orderBy={"field": "RANDOM", "direction": "DESC"})
    assert await bad(me, orderBy={"field": "DATE", "direction": "SIDEWAYS"})
    assert await bad(me, "{ messages(orderBy: {field: PRIORITY}) { totalCount } }")
    assert await bad(me, "{ messages(orderBy: {field: DATE, direction: UP}) { totalCount } }")


MALFORMED = [  # (cursor, the ordering it is used with)
    ("abc", "DATE"),
    ("!!!not base64!!!", "DATE"),
    ("Ünïcode", "DATE"),
    ("", "DATE"),
    (cursor("m:DATE:d"), "DATE"),
    (cursor("m:DATE:d", "yesterday", 1), "DATE"),
    (cursor("m:DATE:d", 5, 1), "DATE"),
    (cursor("m:DATE:d", "2025-06-27T12:22:34+00:00", "one"), "DATE"),
    (cursor("m:DATE:d", "2025-06-27T12:22:34+00:00", 2**64 - 1), "DATE"),
    (cursor("m:SIZE:d", "big", 1), "SIZE"),
    (cursor("m:SIZE:d", 2**63, 1), "SIZE"),
    (cursor("m:SIZE:d", True, 1), "SIZE"),
    (cursor("m:SUBJECT:d", {"a": 1}, 1), "SUBJECT"),
    (base64.urlsafe_b64encode(b'{"a": 1, "b": 2, "c": 3}').decode(), "DATE"),
    (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "DATE"),
]


async def test_malformed_cursor(me: Client) -> None:
    for after, field in MALFORMED:
        message = await bad(me, after=after, orderBy={"field": field, "direction": "DESC"})
        assert "cursor" in message, after


async def test_a_cursor_belongs_to_its_ordering_and_listing(me: Client) -> None:
    by_date = (await me.data(LIST, {"first": 1}))["messages"]["pageInfo"]["endCursor"]
    by_subject = {"field": "SUBJECT", "direction": "DESC"}
    assert "another ordering" in await bad(me, after=by_date, orderBy=by_subject)
    assert "another ordering" in await bad(me, after=by_date, orderBy={"field": "DATE", "direction": "ASC"})
    threads = "query($after: String) { mailThreads(after: $after) { totalCount } }"
    assert "another ordering" in await bad(me, threads, after=by_date)


async def test_bad_dates(me: Client) -> None:
    assert await bad(me, filter={"startDate": "yesterday"})
    assert await bad(me, '{ messages(filter: {startDate: "yesterday"}) { totalCount } }')
    assert await bad(me, filter={"endDate": "2025-13-45T00:00:00Z"})
    after = await bad(me, filter={"startDate": "2025-06-02T00:00:00Z", "endDate": "2025-06-01T00:00:00Z"})
    assert "startDate is after endDate" in after
    # one date without an offset is UTC; comparing it with an offset one is no crash
    mixed = {"startDate": "2025-06-02T00:00:00", "endDate": "2025-06-01T23:00:00-05:00"}
    assert (await me.data(LIST, {"filter": mixed}))["messages"]["totalCount"] == 0
    assert await bad(me, filter={"startDate": "2025-06-02T00:00:00", "endDate": "2025-06-01T23:00:00+05:00"})
    assert "out of range" in await bad(me, filter={"startDate": "0001-01-01T00:00:00+05:00"})
    ancient = {"startDate": "0001-01-01T00:00:00Z", "endDate": "9999-12-31T23:59:59Z"}
    assert (await me.data(LIST, {"filter": ancient}))["messages"]["totalCount"] == 3


async def test_bad_sizes(me: Client) -> None:
    assert "minSize cannot be negative" in await bad(me, filter={"minSize": -1})
    assert "maxSize cannot be negative" in await bad(me, filter={"maxSize": -1})
    assert "larger" in await bad(me, filter={"minSize": 10, "maxSize": 5})
    assert await bad(me, filter={"minSize": 2**40})


async def test_folder_messages_and_threads_check_their_paging_too(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    inbox = await folder_id(db, user, "INBOX")
    me = await client.login("user_test")
    folder_messages = "query($id: ID!, $first: Int) { folder(id: $id) { messages(first: $first) { totalCount } } }"
    assert await bad(me, folder_messages, id=str(inbox), first=0)
    threads = "query($first: Int, $offset: Int) { mailThreads(first: $first, offset: $offset) { totalCount } }"
    assert await bad(me, threads, first=201)
    assert await bad(me, threads, offset=-3)
    assert await bad(me, "{ mailThreads(orderBy: {field: SIZE}) { totalCount } }")
    assert await bad(me, 'query { mailThreads(after: "garbage") { totalCount } }')
