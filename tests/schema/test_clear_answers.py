"""Answers that say what is wrong: the folder a message is not in, a file that is no sheet, a time without zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.engine import Database
from tests.schema.test_thread_import import IMPORT, post_file
from tests.utils.factories import deliver, folder_id, make_user
from tests.utils.graphql import Client


async def test_a_message_in_another_folder_is_said_to_be_not_in_that_folder(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    message = await deliver(db, user)
    sent = await folder_id(db, user, "SENT")
    me = await client.login("user_test")
    body = await me.execute(
        "mutation($ids: [ID!]!, $f: ID) { markAsRead(ids: $ids, folderId: $f) { __typename } }",
        {"ids": [str(message)], "f": str(sent)},
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == f"message {message} is not in folder {sent}"
    missing = await me.execute('mutation { markAsRead(ids: ["987654"]) { __typename } }')
    assert missing["errors"][0]["message"] == "Message 987654 was not found"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "Excel 97-2003"),
        (b"name\x00\x01\x02\x03binary", "binary data"),
    ],
    ids=["png", "pdf", "xls", "binary"],
)
async def test_a_file_that_is_no_spreadsheet_is_said_to_be_none(
    db: Database, client: Client, data: bytes, kind: str
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    body = await post_file(me, IMPORT, data, "threads.xlsx")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not a spreadsheet" in error["message"] and kind in error["message"]


FILTER = "query($f: MessageFilter) { messages(filter: $f) { totalCount } }"


async def test_a_date_time_without_offset_is_utc_and_the_schema_says_so(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    await deliver(db, user, date=datetime(2026, 3, 1, 10, 30, tzinfo=UTC))
    me = await client.login("user_test")
    described = await me.data('{ __type(name: "DateTime") { description } }')
    assert "without an offset" in described["__type"]["description"]
    assert "read as UTC" in described["__type"]["description"]

    async def since(value: str) -> int:
        count: int = (await me.data(FILTER, {"f": {"startDate": value}}))["messages"]["totalCount"]
        return count

    assert await since("2026-03-01T10:00:00") == await since("2026-03-01T10:00:00Z") == 1
    assert await since("2026-03-01T11:00:00") == await since("2026-03-01T11:00:00+00:00") == 0
    assert await since("2026-03-01T11:00:00+03:00") == 1  # 08:00 UTC
    literal = await me.data('{ messages(filter: {startDate: "2026-03-01T10:00:00"}) { totalCount } }')
    assert literal["messages"]["totalCount"] == 1
    assert (await me.error_codes(FILTER, {"f": {"startDate": "10 o'clock"}})) == ["BAD_USER_INPUT"]
