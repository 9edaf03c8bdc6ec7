"""uploadAttachment over the GraphQL multipart request spec, its limit, and the stale-upload cleanup."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import Attachment, Blob, table_of
from db.types import utcnow
from resolvers.services import Services
from resolvers.uploads import remove_stale_uploads
from tests.utils.factories import make_user
from tests.utils.graphql import Client

UPLOAD = """mutation($file: Upload!) { uploadAttachment(file: $file) {
  id fileName mimeType size sha256 isInline contentId downloadUrl createdAt message { id } mailThread { id } } }"""
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def upload_raw(client: Client, name: str, data: bytes, mime: str = DOCX) -> dict[str, Any]:
    """A real multipart POST per the GraphQL multipart request spec; the whole answer."""
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": (name, data, mime)},
        headers={"authorization": f"Bearer {client.token}"},
    )
    assert response.status_code in (200, 413), response.text
    body: dict[str, Any] = response.json()
    return body


async def upload(client: Client, name: str, data: bytes, mime: str = DOCX) -> dict[str, Any]:
    body = await upload_raw(client, name, data, mime)
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"]["uploadAttachment"]
    return result


async def count(db: Database, table: Any) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


BLOBS = table_of(Blob)
ATTACHMENTS = table_of(Attachment)


async def test_upload_stages_a_file_once_per_content(db: Database, client: Client) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    me = await client.login("user_test")
    data = b"PK\x03\x04" + bytes(range(256)) * 300
    first = await upload(me, "Док.docx", data)
    assert first["fileName"] == "Док.docx"
    assert first["mimeType"] == DOCX
    assert first["size"] == len(data)
    assert first["message"] is None and first["mailThread"] is None
    assert first["isInline"] is False
    second = await upload(me, "C:\\Users\\siz\\Копия.docx", data)
    assert second["fileName"] == "Копия.docx"
    assert second["sha256"] == first["sha256"] and second["id"] != first["id"]
    assert await count(db, BLOBS) == 1
    assert await count(db, ATTACHMENTS) == 2
    download = await me.http.get(first["downloadUrl"])
    assert download.status_code == 200 and download.content == data
    owned = await me.data("query($id: ID!) { attachment(id: $id) { id fileName } }", {"id": first["id"]})
    assert owned["attachment"]["fileName"] == "Док.docx"


async def test_upload_over_the_limit_is_refused_and_stores_nothing(
    db: Database, client: Client, services: Services
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    services.max_upload_bytes = 100 * 1024
    body = await upload_raw(me, "big.bin", b"x" * (100 * 1024 + 1), "application/octet-stream")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PAYLOAD_TOO_LARGE"]
    assert await count(db, BLOBS) == 0
    assert await count(db, ATTACHMENTS) == 0
    exact = await upload(me, "fits.bin", b"x" * (100 * 1024), "application/octet-stream")
    assert exact["size"] == 100 * 1024


async def test_upload_needs_a_token_with_create(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    anonymous = client.as_user(None)
    response = await anonymous.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("a.txt", b"hello", "text/plain")},
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
    assert await count(db, BLOBS) == 0


async def test_stale_uploads_are_removed_and_their_blobs_freed(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    await make_user(db, "filip_test")
    me = await client.login("user_test")
    stale = await upload(me, "old.txt", b"old bytes", "text/plain")
    used = await upload(me, "used.txt", b"used bytes", "text/plain")
    await me.data(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        {"i": {"to": ["filip_test@devr7.ru"], "subject": "files", "attachmentIds": [used["id"]]}},
    )
    # Sending consumed the staged row of `used`; its copies keep the blob.
    async with db.write() as session:
        assert await remove_stale_uploads(session, utcnow() - timedelta(days=1)) == 0
    async with db.write() as session:
        assert await remove_stale_uploads(session, utcnow() + timedelta(seconds=1)) == 1
    async with db.read() as session:
        digests = {r[0] for r in await session.execute(select(BLOBS.c.sha256))}
        staged = (
            await session.execute(
                select(func.count()).select_from(ATTACHMENTS).where(ATTACHMENTS.c.message_id.is_(None))
            )
        ).scalar_one()
    assert stale["sha256"] not in digests
    assert used["sha256"] in digests
    assert staged == 0
    assert await me.error_codes("query($id: ID!) { attachment(id: $id) { id } }", {"id": stale["id"]}) == ["NOT_FOUND"]
