"""exportMailThreads and mailThreadImportTemplate: signed links, XLSX and CSV, export -> import round trip."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import openpyxl
import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Follower, MailThread, User, table_of
from tests.schema.test_thread_import import IMPORT, import_file
from tests.utils.factories import deliver, make_thread, make_user
from tests.utils.graphql import Client

EXPORT = """query($filter: MailThreadFilter, $format: SheetFormat) {
  exportMailThreads(filter: $filter, format: $format) { url fileName mimeType expiresAt } }"""
TEMPLATE = """query($format: SheetFormat) {
  mailThreadImportTemplate(format: $format) { url fileName mimeType expiresAt } }"""

T = table_of(MailThread)
F = table_of(Follower)
U = table_of(User)


def sheet_rows(data: bytes, fmt: str) -> list[list[str]]:
    """The rows of a downloaded sheet, opened with openpyxl or csv."""
    if fmt == "XLSX":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            sheet = book.worksheets[0]
            return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def download(http: httpx.AsyncClient, url: str) -> httpx.Response:
    """GET a signed link the way a browser follows it: no Authorization header."""
    response = await http.get(url)
    assert response.status_code == 200, response.text
    return response


async def snapshot(db: Database) -> dict[str, tuple[Any, ...]]:
    """Every thread with its name, updated_at and followers."""
    async with db.read() as session:
        rows = await session.execute(select(T.c.id, T.c.name, T.c.updated_at))
        threads = {r.id: (r.name, r.updated_at) for r in rows}
        followers: dict[str, set[int]] = {}
        for tid, uid in await session.execute(select(F.c.thread_id, F.c.user_id)):
            followers.setdefault(tid, set()).add(uid)
    return {tid: (*values, frozenset(followers.get(tid, ()))) for tid, values in threads.items()}


async def three_threads(db: Database) -> dict[str, Any]:
    me = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    bob = await make_user(db, "bob", "Bob", "bob@devr7.ru")
    carol = await make_user(db, "carol", "Carol", "carol@devr7.ru")
    supply = await make_thread(db, me, "Поставка бумаги", "supply", followers=(bob.id,))
    formula = await make_thread(db, me, "=SUM(A1:A2) 'quoted'")
    # Visible through a message only: bob's thread, user_test is not a follower.
    by_mail = await make_thread(db, bob, "Bob's thread, письмо")
    await deliver(db, me, subject="Re: Bob", thread_id=by_mail)
    hidden = await make_thread(db, carol, "Carol only")
    return {"me": me, "bob": bob, "ids": {supply, formula, by_mail}, "hidden": hidden}


@pytest.mark.parametrize("fmt", ["XLSX", "CSV"])
async def test_export_downloads_and_imports_back_unchanged(
    db: Database, client: Client, http: httpx.AsyncClient, fmt: str
) -> None:
    made = await three_threads(db)
    me = await client.login("user_test")
    link = (await me.data(EXPORT, {"format": fmt}))["exportMailThreads"]
    assert link["fileName"] == f"mail-threads.{fmt.lower()}"
    assert link["url"].startswith("http://testserver/files/export/")
    response = await download(http, link["url"])
    assert response.headers["content-type"].startswith("text/csv" if fmt == "CSV" else "application/vnd.openxml")
    assert "attachment" in response.headers["content-disposition"]
    rows = sheet_rows(response.content, fmt)
    assert rows[0] == ["id", "name", "followers"]
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == made["ids"]
    assert by_id["supply"] == ["supply", "Поставка бумаги", "user_test, bob"]
    assert made["hidden"] not in by_id
    if fmt == "XLSX":  # a name that looks like a formula stays text
        assert any(r[1] == "=SUM(A1:A2) 'quoted'" for r in rows[1:])

    before = await snapshot(db)
    result = await import_file(me, IMPORT, response.content, f"export.{fmt.lower()}")
    assert result["importMailThreads"] == {
        "created": 0,
        "updated": 3,
        "failed": 0,
        "errors": [],
        "errorReport": None,
    }
    assert await snapshot(db) == before


async def test_export_follows_the_mail_threads_filter(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    await three_threads(db)
    me = await client.login("user_test")
    link = (await me.data(EXPORT, {"format": "CSV", "filter": {"nameLike": "БУМАГ"}}))["exportMailThreads"]
    rows = sheet_rows((await download(http, link["url"])).content, "CSV")
    assert [r[0] for r in rows[1:]] == ["supply"]
    link = (await me.data(EXPORT, {"format": "CSV", "filter": {"isFollower": False}}))["exportMailThreads"]
    rows = sheet_rows((await download(http, link["url"])).content, "CSV")
    assert [r[1] for r in rows[1:]] == ["Bob's thread, письмо"]


@pytest.mark.parametrize("fmt", ["XLSX", "CSV"])
async def test_template_is_an_empty_sheet_with_the_import_columns(
    db: Database, client: Client, http: httpx.AsyncClient, fmt: str
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    link = (await me.data(TEMPLATE, {"format": fmt}))["mailThreadImportTemplate"]
    assert link["fileName"].endswith(fmt.lower())
    rows = sheet_rows((await download(http, link["url"])).content, fmt)
    assert rows == [["id", "name", "followers"]]
    default = (await me.data(TEMPLATE))["mailThreadImportTemplate"]
    assert default["mimeType"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_export_links_are_signed_for_one_viewer(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    made = await three_threads(db)
    me = await client.login("user_test")
    url = (await me.data(EXPORT, {"format": "CSV"}))["exportMailThreads"]["url"]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    # Someone else's data with the same signature: refused.
    other = {**query, "v": str(made["bob"].id)}
    assert (await http.get(f"{parts.path}?{urlencode(other)}")).status_code == 403
    assert (await http.get(f"{parts.path}?{urlencode({**query, 'sig': 'x' + query['sig'][1:]})}")).status_code == 403
    assert (await http.get(parts.path)).status_code == 403
    assert (await http.get(f"{parts.path}?{urlencode({**query, 'exp': '1000'})}")).status_code == 403
    assert (await client.error_codes(EXPORT)) == ["UNAUTHENTICATED"]
