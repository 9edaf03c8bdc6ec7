"""Demo data: loaded once, through store_message, consistent and visible through GraphQL."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

from sqlalchemy import func, select

from app.demo import load_demo_data
from db.engine import Database
from db.models import Attachment, Blob, Change, Folder, Label, MailThread, Message, MessageLabel, User, table_of
from tests.utils.graphql import Client

M = table_of(Message)
F = table_of(Folder)
L = table_of(Label)
ML = table_of(MessageLabel)
A = table_of(Attachment)
B = table_of(Blob)


async def test_demo_loads_once_and_counters_match_a_recount(db: Database) -> None:
    assert await load_demo_data(db) is True
    assert await load_demo_data(db) is False

    async with db.read() as session:
        users = dict((await session.execute(select(table_of(User).c.login, table_of(User).c.id))).all())
        assert set(users) == {"user_test", "filip_test"}
        messages = (await session.execute(select(M))).mappings().all()
        assert 250 <= len(messages) <= 400

        # Folder counters, moved only by store_message, equal a recount of the rows.
        folders = (await session.execute(select(F))).mappings().all()
        total = Counter(m["folder_id"] for m in messages)
        unread = Counter(m["folder_id"] for m in messages if not m["was_read"])
        for f in folders:
            assert (f["total_count"], f["unread_count"]) == (total[f["id"]], unread[f["id"]]), f["name"]
        by_name = {(f["owner_id"], f["name"]): f for f in folders}
        contracts = by_name[(users["user_test"], "Договоры")]
        assert contracts["parent_id"] == by_name[(users["user_test"], "Проекты")]["id"]
        assert contracts["total_count"] > 0
        assert {f["name"] for f in folders if f["total_count"]} >= {"Inbox", "Sent", "Archive", "Проекты"}

        # Label counters too.
        unread_ids = {m["id"] for m in messages if not m["was_read"]}
        links = (await session.execute(select(ML.c.label_id, ML.c.message_id))).all()
        label_total = Counter(lid for lid, _ in links)
        label_unread = Counter(lid for lid, mid in links if mid in unread_ids)
        labels = (await session.execute(select(L))).mappings().all()
        assert {lab["name"] for lab in labels} >= {"Работа", "Личное", "Finance", "Travel"}
        for lab in labels:
            assert (lab["message_count"], lab["unread_count"]) == (label_total[lab["id"]], label_unread[lab["id"]])

        # Every arrival is in the change log, and every message keeps its RFC 5322 source.
        changes = (await session.execute(select(func.count()).select_from(table_of(Change)))).scalar_one()
        assert changes >= len(messages)
        sizes: dict[str, int] = dict((await session.execute(select(B.c.sha256, B.c.size))).all())
        assert all(m["raw_sha256"] and sizes[m["raw_sha256"]] == m["size"] for m in messages)

        # Internal mail: the sender's Sent copy and the recipient's Inbox copy share the Message-ID.
        owners_of = Counter(m["message_id_header"] for m in messages)
        assert sum(1 for n in owners_of.values() if n == 2) >= 20

        # Replies point at earlier messages of the same thread.
        by_header = {m["message_id_header"]: m for m in messages}
        replies = [m for m in messages if m["in_reply_to"]]
        assert len(replies) >= 10
        for reply in replies:
            parent = by_header[reply["in_reply_to"]]
            assert parent["thread_id"] == reply["thread_id"] is not None
            assert parent["date"] <= reply["date"]
            assert reply["references"][-1] == reply["in_reply_to"]
        threads = (await session.execute(select(func.count()).select_from(table_of(MailThread)))).scalar_one()
        assert threads >= 5

        # The files are real: a Word document, a PDF and an invite.
        files = (
            await session.execute(select(A.c.file_name, A.c.mime_type, B.c.data).join(B, B.c.sha256 == A.c.blob_sha256))
        ).all()
        docx = next(bytes(data) for name, _, data in files if name == "Договор.docx")
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(archive.namelist())
            assert "ДОГОВОР" in archive.read("word/document.xml").decode()
        pdf = next(bytes(data) for _, mime, data in files if mime == "application/pdf")
        assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-32:]
        assert any(name == "invite.ics" and mime == "text/calendar" for name, mime, _ in files)


async def test_demo_mail_through_graphql(db: Database, client: Client) -> None:
    assert await load_demo_data(db)
    me = await client.login("user_test")

    data = await me.data(
        """{ me { name email }
             messages(filter: {subject: "Declined"}) {
               totalCount nodes { subject eventInviteStatus attachments { fileName mimeType } } } }"""
    )
    assert data["me"] == {"name": "Сизый Федор Петрович", "email": "siz_test@devr7.ru"}
    invite = data["messages"]["nodes"][0]
    assert data["messages"]["totalCount"] == 1
    assert invite["eventInviteStatus"] == "DECLINED"
    assert invite["attachments"] == [{"fileName": "invite.ics", "mimeType": "text/calendar"}]

    found = await me.data(
        """query($q: String!) { messages(filter: {query: $q}, first: 50) {
             totalCount nodes { subject attachments { fileName } folder { name parent { name } } } } }""",
        {"q": "договор"},
    )
    assert found["messages"]["totalCount"] >= 3
    nodes = found["messages"]["nodes"]
    assert any("Договор" in n["subject"] for n in nodes)
    filed = [n for n in nodes if n["folder"]["name"] == "Договоры"]
    assert filed and filed[0]["folder"]["parent"] == {"name": "Проекты"}
    assert any(a["fileName"] == "Договор.docx" for n in nodes for a in n["attachments"])

    # Filip sees his own copies only; the loader's users are both there.
    filip = await client.login("filip_test")
    folders = (await filip.data("{ folders { name role totalCount } }"))["folders"]
    assert {f["name"] for f in folders} >= {"Inbox", "Sent", "Receipts"}
    assert next(f for f in folders if f["role"] == "SENT")["totalCount"] > 0
