"""Signed file links served by the app: attachments and messages as .eml."""

from __future__ import annotations

import email
import time
from email import policy
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from app.files import content_disposition
from db.engine import Database
from resolvers.services import Services
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC_BYTES = b"PK\x03\x04" + bytes(range(256)) * 40
PDF_BYTES = b"%PDF-1.7\n" + b"\x00\xff" * 100
LINKS = "query($id: ID!) { message(id: $id) { rawUrl attachments { id fileName downloadUrl } } }"


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver"
    return f"{parts.path}?{parts.query}"


async def links_of(client: Client, message_id: int) -> dict[str, object]:
    data = await client.data(LINKS, {"id": str(message_id)})
    message: dict[str, object] = data["message"]
    return message


async def test_attachment_download(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    user = await make_user(db, "user_test")
    message_id = await deliver(
        db, user, files=[("Док.docx", DOCX, DOC_BYTES), ("report 2025.pdf", "application/pdf", PDF_BYTES)]
    )
    me = await client.login("user_test")
    links = await links_of(me, message_id)
    docx, pdf = links["attachments"]  # type: ignore[misc]
    response = await http.get(path_of(docx["downloadUrl"]))  # no Authorization header
    assert response.status_code == 200
    assert response.content == DOC_BYTES
    assert response.headers["content-type"] == DOCX
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="___.docx"' in disposition
    assert "filename*=UTF-8''%D0%94%D0%BE%D0%BA.docx" in disposition
    disposition.encode("ascii")  # a header value is ASCII
    response = await http.get(path_of(pdf["downloadUrl"]))
    assert response.status_code == 200 and response.content == PDF_BYTES
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="report 2025.pdf"' in response.headers["content-disposition"]


async def test_tampered_links_are_forbidden(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    user = await make_user(db, "user_test")
    first = await deliver(db, user, files=[("a.txt", "text/plain", b"secret one")])
    await deliver(db, user, files=[("b.txt", "text/plain", b"secret two")])
    me = await client.login("user_test")
    link = path_of((await links_of(me, first))["attachments"][0]["downloadUrl"])  # type: ignore[index]
    ident = int(link.split("/")[3].split("?")[0])
    sig = link.split("sig=")[1]
    exp = int(link.split("exp=")[1].split("&")[0])
    tampered = [
        link[:-2] + ("AA" if not link.endswith("AA") else "BB"),  # signature changed
        link.replace(f"/attachment/{ident}?", f"/attachment/{ident + 1}?"),  # another id
        link.replace(f"exp={exp}", f"exp={exp + 3600}"),  # a longer life
        link.replace("/files/attachment/", "/files/message/"),  # another kind
        link.split("&sig=")[0],  # no signature
        f"/files/attachment/{ident}",  # nothing at all
        link.replace(sig, "%D0%96" * 8),  # a non-ASCII signature
        link.replace(f"exp={exp}", "exp=%C2%B2"),  # a digit that is not ASCII
    ]
    genuine = await http.get(link)
    assert genuine.status_code == 200 and genuine.content == b"secret one"
    assert genuine.headers["content-type"] == "text/plain"  # as stored: no charset guessed
    for url in tampered:
        response = await http.get(url)
        assert response.status_code == 403, url
        assert b"secret" not in response.content
        assert response.headers["content-type"].startswith("application/json")


async def test_expired_link_is_gone(db: Database, services: Services, http: httpx.AsyncClient) -> None:
    user = await make_user(db, "user_test")
    message_id = await deliver(db, user, files=[("a.txt", "text/plain", b"secret")])
    old = services.links.sign("message", message_id, now=time.time() - services.links.ttl - 10)
    response = await http.get(path_of(old.url))
    assert response.status_code == 410
    assert b"secret" not in response.content
    fresh = services.links.sign("message", message_id)
    assert (await http.get(path_of(fresh.url))).status_code == 200


async def test_link_to_a_deleted_file_is_not_found(db: Database, services: Services, http: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    response = await http.get(path_of(services.links.sign("attachment", 424242).url))
    assert response.status_code == 404
    response = await http.get(path_of(services.links.sign("message", 424242).url))
    assert response.status_code == 404


async def test_raw_url_is_an_eml_the_stdlib_reads_back(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    user = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    subject = "Отчёт за май: итоги квартала и планы на лето"
    message_id = await deliver(
        db,
        user,
        subject=subject,
        body="Добрый день! Отчёт во вложении.",
        sender=("Иванова Анна", "ivanova@devr7.ru"),
        files=[("Док.docx", DOCX, DOC_BYTES)],
    )
    me = await client.login("user_test")
    raw_url = (await links_of(me, message_id))["rawUrl"]
    response = await http.get(path_of(raw_url))  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.headers["content-type"] == "message/rfc822"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"{subject}.eml"
    raw = response.content
    raw.decode("ascii")  # every header is encoded: 7-bit on the wire
    assert b"=?utf-8?" in raw.lower()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == subject
    assert parsed["From"].addresses[0].display_name == "Иванова Анна"
    assert parsed["From"].addresses[0].addr_spec == "ivanova@devr7.ru"
    assert parsed["To"].addresses[0].addr_spec == "siz_test@devr7.ru"
    body = parsed.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Добрый день! Отчёт во вложении."
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["Док.docx"]
    assert attachments[0].get_content_type() == DOCX
    assert attachments[0].get_payload(decode=True) == DOC_BYTES


@pytest.mark.parametrize(
    ("name", "fallback", "encoded"),
    [
        ("report.pdf", "report.pdf", "report.pdf"),
        ("Док.docx", "___.docx", "%D0%94%D0%BE%D0%BA.docx"),
        ('a "quoted"\\name.txt', "a _quoted__name.txt", "a%20%22quoted%22%5Cname.txt"),
        ("line\r\nbreak.txt", "line__break.txt", "line%0D%0Abreak.txt"),
        ("", "file", ""),
    ],
)
def test_content_disposition(name: str, fallback: str, encoded: str) -> None:
    header = content_disposition(name)
    assert header.startswith(f'attachment; filename="{fallback}"')
    if name:
        assert header.endswith(f"filename*=UTF-8''{encoded}")
    header.encode("ascii")
    assert "\r" not in header and "\n" not in header
