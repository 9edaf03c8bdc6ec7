from __future__ import annotations

from db.engine import Database
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client


async def test_user_signs_in_and_lists_inbox(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await deliver(db, user, subject="Отчёт за май", files=[("Док.docx", "application/octet-stream", b"PK\x03\x04")])
    me = await client.login("user_test")
    data = await me.data(
        """{ me { login name } folders { name role totalCount unreadCount }
             messages(first: 10) { totalCount unreadCount nodes { subject from { name address }
               folder { name } labels { name } attachments { fileName downloadUrl } thread { id } } } }"""
    )
    assert data["me"]["login"] == "user_test"
    inbox = next(f for f in data["folders"] if f["role"] == "INBOX")
    assert inbox["totalCount"] == 1 and inbox["unreadCount"] == 1
    node = data["messages"]["nodes"][0]
    assert node["subject"] == "Отчёт за май"
    assert node["folder"]["name"] == "Inbox"
    assert node["attachments"][0]["fileName"] == "Док.docx"
