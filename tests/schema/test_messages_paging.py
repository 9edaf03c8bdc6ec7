"""Ordering and paging a folder: cursors stay stable while mail arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.engine import Database
from db.models import table_of
from tests.utils.factories import deliver, folder_id, make_user
from tests.utils.graphql import Client

PAGE = """query($folderId: ID, $orderBy: MessageOrder, $first: Int, $after: String, $offset: Int) {
  messages(folderId: $folderId, orderBy: $orderBy, first: $first, after: $after, offset: $offset) {
    totalCount unreadCount
    edges { cursor node { id subject } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

BASE = datetime(2025, 6, 27, 12, 22, 34, 123456, tzinfo=UTC)


async def page(me: Client, **variables: Any) -> dict[str, Any]:
    data: dict[str, Any] = (await me.data(PAGE, variables))["messages"]
    return data


def ids(connection: dict[str, Any]) -> list[int]:
    return [int(e["node"]["id"]) for e in connection["edges"]]


async def test_every_order_field_in_both_directions(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    made = {
        "b": await deliver(db, user, subject="beta", sender=("Яков", "y@x.ru"), date=BASE, body="x" * 30),
        "a": await deliver(db, user, subject="Alpha", sender=(None, "anna@x.ru"), date=BASE + timedelta(seconds=1)),
        "c": await deliver(
            db, user, subject="Ёлка", sender=("boris", "b@x.ru"), date=BASE - timedelta(days=1), body="x" * 10
        ),
    }
    me = await client.login("user_test")
    expected = {
        "DATE": ["c", "b", "a"],
        "SUBJECT": ["a", "b", "c"],
        "FROM": ["a", "c", "b"],
        "SIZE": ["c", "a", "b"],
    }
    for field, order in expected.items():
        asc = await page(me, orderBy={"field": field, "direction": "ASC"})
        desc = await page(me, orderBy={"field": field, "direction": "DESC"})
        assert ids(asc) == [made[k] for k in order], field
        assert ids(desc) == [made[k] for k in reversed(order)], field
    default = await page(me)
    assert ids(default) == [made["a"], made["b"], made["c"]]  # newest first
    only_field = await page(me, orderBy={"field": "SUBJECT"})
    assert ids(only_field) == [made["c"], made["b"], made["a"]]  # DESC by default


@pytest.mark.parametrize("field", ["DATE", "SUBJECT", "FROM", "SIZE"])
async def test_equal_sort_keys_tie_break_by_id(db: Database, client: Client, field: str) -> None:
    user = await make_user(db, "user_test")
    made = [await deliver(db, user, subject="same", date=BASE) for _ in range(5)]
    me = await client.login("user_test")

    for direction, expected in (("ASC", made), ("DESC", made[::-1])):
        order = {"field": field, "direction": direction}
        seen: list[int] = []
        after = None
        while True:
            got = await page(me, orderBy=order, first=2, after=after)
            seen += ids(got)
            if not got["pageInfo"]["hasNextPage"]:
                break
            after = got["pageInfo"]["endCursor"]
        assert seen == expected
        assert ids(await page(me, orderBy=order, first=2, offset=2)) == expected[2:4]


@pytest.mark.parametrize("field", ["DATE", "SUBJECT", "FROM", "SIZE"])
async def test_cursors_walk_a_folder_once_while_new_mail_arrives(db: Database, client: Client, field: str) -> None:
    user = await make_user(db, "user_test")
    old = [
        await deliver(
            db,
            user,
            subject=f"old {i % 3}",
            sender=(None, f"s{i % 4}@x.ru"),
            date=BASE + timedelta(microseconds=7 * i),
            body="x" * (i % 3),
        )
        for i in range(11)
    ]
    me = await client.login("user_test")
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        got = await page(me, orderBy={"field": field, "direction": "DESC"}, first=3, after=after)
        pages += 1
        assert got["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += ids(got)
        # New mail lands between two page requests: newest date, any subject, sender and size.
        await deliver(
            db,
            user,
            subject=f"new {pages}",
            sender=(None, f"n{pages}@x.ru"),
            date=BASE + timedelta(days=1),
            body="y" * pages,
        )
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
        assert after == got["edges"][-1]["cursor"]
    assert sorted(x for x in seen if x in old) == old
    assert len(seen) == len(set(seen))
    if field == "DATE":
        assert seen == old[::-1]  # the new mail is all newer than the first page


async def test_offset_pages_and_page_info(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    made = [await deliver(db, user, date=BASE + timedelta(minutes=i)) for i in range(5)]
    newest_first = made[::-1]
    inbox = await folder_id(db, user, "INBOX")
    me = await client.login("user_test")

    first = await page(me, folderId=str(inbox), first=2)
    assert ids(first) == newest_first[:2]
    assert first["pageInfo"]["hasNextPage"] is True and first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert (first["totalCount"], first["unreadCount"]) == (5, 5)

    middle = await page(me, folderId=str(inbox), first=2, offset=2)
    assert ids(middle) == newest_first[2:4]
    assert middle["pageInfo"]["hasNextPage"] is True and middle["pageInfo"]["hasPreviousPage"] is True

    last = await page(me, folderId=str(inbox), first=2, offset=4)
    assert ids(last) == newest_first[4:]
    assert last["pageInfo"]["hasNextPage"] is False

    past = await page(me, folderId=str(inbox), first=2, offset=10)
    assert past["edges"] == [] and past["pageInfo"]["startCursor"] is None and past["pageInfo"]["endCursor"] is None
    assert past["totalCount"] == 5

    exact = await page(me, folderId=str(inbox), first=5)
    assert exact["pageInfo"]["hasNextPage"] is False

    after_last = await page(me, folderId=str(inbox), first=2, after=exact["pageInfo"]["endCursor"])
    assert after_last["edges"] == [] and after_last["pageInfo"]["hasNextPage"] is False


async def test_counts_without_filters_come_from_the_folder_counters(db: Database, client: Client) -> None:
    """The counters are the truth for an unfiltered listing: a drifted counter shows as is."""
    user = await make_user(db, "user_test")
    await deliver(db, user)
    await deliver(db, user, folder="ARCHIVE", was_read=True)
    await deliver(db, user, folder="TRASH")
    inbox = await folder_id(db, user, "INBOX")
    async with db.write() as session:
        from sqlalchemy import update

        from db.models import Folder

        folders = table_of(Folder)
        await session.execute(update(folders).where(folders.c.id == inbox).values(total_count=40, unread_count=7))
    me = await client.login("user_test")

    assert (await page(me, folderId=str(inbox)))["totalCount"] == 40
    everywhere = await page(me)
    assert (everywhere["totalCount"], everywhere["unreadCount"]) == (41, 7)
    filtered = (
        await me.data(
            "query($f: ID) { messages(folderId: $f, filter: {wasRead: false}) { totalCount unreadCount } }",
            {"f": str(inbox)},
        )
    )["messages"]
    assert (filtered["totalCount"], filtered["unreadCount"]) == (1, 1)
