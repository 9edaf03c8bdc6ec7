"""printMailThread, MailThread.printUrl and mailThreadReport: real files behind signed links."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx
import openpyxl
from pypdf import PdfReader
from sqlalchemy import select

from db.engine import Database
from db.models import DeliveryStatus, User, table_of
from resolvers.records import UserRecord
from tests.utils.factories import deliver, make_thread, make_user, set_message
from tests.utils.graphql import Client

PRINT = """query($id: ID!, $format: PrintFormat) {
  printMailThread(id: $id, format: $format) { url fileName mimeType expiresAt } }"""
REPORT = """query($filter: MailThreadFilter, $format: ReportFormat) {
  mailThreadReport(filter: $filter, format: $format) { url fileName mimeType } }"""


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def cyrillic_thread(db: Database) -> str:
    me = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    bob = await make_user(db, "bob")
    thread = await make_thread(db, me, "Поставка бумаги", "supply", followers=(bob.id,))
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    body = "Добрый день! Жду ответа."
    await deliver(db, me, subject="Счёт на оплату", body=body, thread_id=thread, date=when)
    await deliver(db, me, subject="<script>alert(1)</script>", body="a < b & <b>c</b>", thread_id=thread)
    await deliver(db, bob, subject="Bob's own copy", thread_id=thread)
    return thread


async def test_pdf_printout_shows_the_cyrillic_thread_and_its_messages(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    thread = await cyrillic_thread(db)
    me = await client.login("user_test")
    link = (await me.data(PRINT, {"id": thread}))["printMailThread"]
    assert link["mimeType"] == "application/pdf"
    assert link["fileName"] == "Поставка бумаги.pdf"
    response = await http.get(link["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Поставка бумаги" in text
    assert "Счёт на оплату" in text
    assert "Добрый день!" in text
    assert "Сизый Федор Петрович" in text
    assert "Bob's own copy" not in text  # only the caller's messages


async def test_print_url_resolves_to_the_viewers_printout(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    thread = await cyrillic_thread(db)
    bob = await client.login("bob")
    url = (await bob.data("query($id: ID!) { mailThread(id: $id) { printUrl } }", {"id": thread}))["mailThread"]
    response = await http.get(url["printUrl"])
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Bob's own copy" in text
    assert "Счёт на оплату" not in text


async def test_html_printout_escapes_everything(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    thread = await cyrillic_thread(db)
    me = await client.login("user_test")
    link = (await me.data(PRINT, {"id": thread, "format": "HTML"}))["printMailThread"]
    assert link["mimeType"].startswith("text/html")
    response = await http.get(link["url"])
    assert response.status_code == 200
    assert "sandbox" in response.headers["content-security-policy"]
    page = response.text
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt; b &amp; &lt;b&gt;c&lt;/b&gt;" in page
    assert "Поставка бумаги" in page


async def test_printing_someone_elses_thread_is_not_found(db: Database, client: Client) -> None:
    await cyrillic_thread(db)
    await make_user(db, "carol")
    carol = await client.login("carol")
    assert await carol.error_codes(PRINT, {"id": "supply"}) == ["NOT_FOUND"]
    assert await carol.error_codes(PRINT, {"id": "no-such-thread"}) == ["NOT_FOUND"]


async def user_record(db: Database, login: str) -> UserRecord:
    users = table_of(User)
    async with db.read() as session:
        row = (await session.execute(select(users).where(users.c.login == login))).mappings().one()
    return UserRecord.from_row(row)


async def test_report_lists_each_thread_with_its_counters(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    thread = await cyrillic_thread(db)
    me_rec = await user_record(db, "user_test")
    await make_thread(db, me_rec, "Тихий тред", "quiet")
    failed = await deliver(db, me_rec, folder="SENT", subject="Недоставлено", thread_id=thread)
    await set_message(db, failed, delivery_status=DeliveryStatus.FAILED)
    await deliver(db, me_rec, subject="Файл", thread_id=thread, files=[("a.txt", "text/plain", b"abc")])
    me = await client.login("user_test")

    link = (await me.data(REPORT, {"format": "XLSX"}))["mailThreadReport"]
    assert link["fileName"] == "mail-thread-report.xlsx"
    response = await http.get(link["url"])
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("Thread", "Id", "Messages", "Unread", "Attachments", "Failed deliveries", "Followers")
    by_id = {r[1]: r for r in rows[1:]}
    assert by_id["supply"] == ("Поставка бумаги", "supply", 4, 4, 1, 1, 2)
    assert by_id["quiet"] == ("Тихий тред", "quiet", 0, 0, 0, 0, 1)

    link = (await me.data(REPORT, {"filter": {"nameLike": "поставка"}}))["mailThreadReport"]
    assert link["mimeType"] == "application/pdf"
    response = await http.get(link["url"])
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Поставка бумаги" in text
    assert "Тихий тред" not in text
    assert "Failed deliveries" in text
