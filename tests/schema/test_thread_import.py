"""importMailThreads: XLSX and CSV by content, failed rows with their reasons and an error report."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Follower, MailThread, table_of
from tests.utils.factories import make_thread, make_user
from tests.utils.graphql import Client, GraphQLErrors

IMPORT = """mutation($file: Upload!) { importMailThreads(file: $file) {
  created updated failed errors { row column message } errorReport { url fileName mimeType } } }"""

T = table_of(MailThread)
F = table_of(Follower)


async def post_file(
    client: Client, query: str, data: bytes, name: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A multipart request (GraphQL multipart request spec) with the file as $file; the whole answer."""
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": query, "variables": {**(variables or {}), "file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (name, data, "application/octet-stream")},
        headers={"authorization": f"Bearer {client.token}"} if client.token else {},
    )
    assert response.status_code in (200, 400, 413), response.text
    body: dict[str, Any] = response.json()
    return body


async def import_file(
    client: Client, query: str, data: bytes, name: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = await post_file(client, query, data, name, variables)
    if body.get("errors"):
        raise GraphQLErrors(body["errors"])
    result: dict[str, Any] = body["data"]
    return result


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


async def threads(db: Database) -> dict[str, str]:
    async with db.read() as session:
        return {r.id: r.name for r in await session.execute(select(T.c.id, T.c.name))}


async def followers_of(db: Database, thread_id: str) -> set[int]:
    async with db.read() as session:
        return {r[0] for r in await session.execute(select(F.c.user_id).where(F.c.thread_id == thread_id))}


BAD_SHEET = [
    ["ID", "Name", "Followers"],
    ["", "Новый тред", "bob, CAROL@devr7.ru"],  # 2: created, followers by login and by address
    ["", "   ", "bob"],  # 3: no name
    ["", "Unknown follower", "bob, nobody"],  # 4: unknown user
    ["carols", "Someone else's key", ""],  # 5: a key the importer cannot see
    ["mine", "Renamed by import", "bob"],  # 6: updated
    [],  # 7: an empty row is skipped
    ["mine", "Twice", ""],  # 8: duplicate id within the file
    ["fresh-key", "With a chosen key", ""],  # 9: created with that key
    ["bad\tkey", "Control characters", ""],  # 10: a malformed key
]


@pytest.mark.parametrize("fmt", ["XLSX", "CSV"])
async def test_failed_rows_are_listed_and_reported_the_others_saved(
    db: Database, client: Client, http: httpx.AsyncClient, fmt: str
) -> None:
    me = await make_user(db, "user_test")
    bob = await make_user(db, "bob", email="bob@devr7.ru")
    carol = await make_user(db, "carol", email="carol@devr7.ru")
    await make_thread(db, carol, "Carol's", "carols")
    await make_thread(db, me, "Mine", "mine")
    client = await client.login("user_test")
    data = xlsx(BAD_SHEET) if fmt == "XLSX" else csv_bytes(BAD_SHEET, delimiter=";")
    # The name says .txt: the format is told by the content.
    result = (await import_file(client, IMPORT, data, "threads.txt"))["importMailThreads"]
    assert (result["created"], result["updated"], result["failed"]) == (2, 1, 5), result
    assert [(e["row"], e["column"]) for e in result["errors"]] == [
        (3, "name"),
        (4, "followers"),
        (5, "id"),
        (8, "id"),
        (10, "id"),
    ]
    assert "nobody" in result["errors"][1]["message"]
    saved = await threads(db)
    assert saved["mine"] == "Renamed by import"
    assert saved["carols"] == "Carol's"
    assert saved["fresh-key"] == "With a chosen key"
    created = next(k for k, v in saved.items() if v == "Новый тред")
    assert await followers_of(db, created) == {me.id, bob.id, carol.id}
    assert await followers_of(db, "mine") == {bob.id}

    report = result["errorReport"]
    assert report["fileName"].endswith(fmt.lower())
    response = await http.get(report["url"])
    assert response.status_code == 200
    if fmt == "XLSX":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        rows = [["" if v is None else str(v) for v in r] for r in book.worksheets[0].iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["ID", "Name", "Followers", "error"]
    names = ["", "Unknown follower", "Someone else's key", "Twice", "Control characters"]
    assert [r[1].strip() for r in rows[1:]] == names
    assert rows[2][3].startswith("followers: unknown user: nobody")


async def test_an_import_without_failures_has_no_report_and_ids_may_be_numbers(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    client = await client.login("user_test")
    result = await import_file(client, IMPORT, xlsx([["name", "id"], ["Numbered", 42]]), "t.xlsx")
    assert result["importMailThreads"] == {"created": 1, "updated": 0, "failed": 0, "errors": [], "errorReport": None}
    assert (await threads(db)) == {"42": "Numbered"}


async def test_windows_1251_csv_is_read(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    client = await client.login("user_test")
    data = csv_bytes([["name"], ["Счёт на оплату"]], delimiter=";", encoding="cp1251")
    result = (await import_file(client, IMPORT, data, "t.csv"))["importMailThreads"]
    assert result["created"] == 1
    assert list((await threads(db)).values()) == ["Счёт на оплату"]


@pytest.mark.sqlite_only
async def test_unreadable_sheets_are_bad_user_input(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    client = await client.login("user_test")
    for data in (b"PK\x03\x04 not really a zip", b"", csv_bytes([["title", "owner"], ["x", "y"]])):
        body = await post_file(client, IMPORT, data, "t.xlsx")
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    body = await post_file(client.as_user(None), IMPORT, csv_bytes([["name"], ["x"]]), "t.csv")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert await threads(db) == {}
