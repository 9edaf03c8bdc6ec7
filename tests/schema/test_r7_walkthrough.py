"""The R7 walk-through, end to end: upload, send inside and out, find, download, flag, move, delete.

Folder counts are checked after every step, against the folders query and a recount.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select

from db.engine import Database
from db.models import Folder, Message, User, table_of
from db.types import utcnow
from resolvers.outbox import relay_due
from resolvers.services import Services
from tests.schema.test_upload import upload
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client
from tests.utils.smtp import free_port, smtp_server

SEND = """mutation($i: SendMessageInput!) { sendMessage(input: $i) { id deliveryStatus thread { id } } }"""
FIND = """query($f: MessageFilter, $folder: ID) { messages(folderId: $folder, filter: $f, first: 50) {
  totalCount unreadCount nodes { id subject wasRead important from { address }
  attachments { fileName downloadUrl } } } }"""
MARK_READ = "mutation($ids: [ID!]!, $r: Boolean!) { markAsRead(ids: $ids, wasRead: $r) { count } }"
MARK_IMPORTANT = "mutation($ids: [ID!]!, $v: Boolean!) { markAsImportant(ids: $ids, important: $v) { count } }"
MOVE = "mutation($ids: [ID!]!, $to: ID!) { moveMessages(ids: $ids, toFolderId: $to) { count } }"
DELETE = "mutation($ids: [ID!]!, $p: Boolean) { deleteMessages(ids: $ids, permanent: $p) { count messages { id } } }"


async def counts(client: Client) -> dict[str, tuple[int, int]]:
    data = await client.data("{ folders { name role totalCount unreadCount } }")
    return {f["role"] or f["name"]: (f["totalCount"], f["unreadCount"]) for f in data["folders"]}


async def recount(db: Database, owner_login: str) -> dict[str, tuple[int, int]]:
    """The same numbers counted from the messages table, to prove the counters exact."""
    m, f, u = table_of(Message), table_of(Folder), table_of(User)
    unread = func.coalesce(func.sum(case((m.c.was_read.is_(False), 1), else_=0)), 0)
    async with db.read() as session:
        rows = await session.execute(
            select(
                f.c.name,
                f.c.role,
                func.count(m.c.id),
                unread,
            )
            .select_from(f.join(u, u.c.id == f.c.owner_id).outerjoin(m, m.c.folder_id == f.c.id))
            .where(u.c.login == owner_login)
            .group_by(f.c.id, f.c.name, f.c.role)
        )
        return {row[1] or row[0]: (int(row[2]), int(row[3])) for row in rows}


async def check(db: Database, client: Client, login: str, **expected: tuple[int, int]) -> None:
    seen = await counts(client)
    assert seen == await recount(db, login)
    for role, value in expected.items():
        assert seen[role] == value, (role, seen[role], value)


async def test_r7_walkthrough(db: Database, client: Client, services: Services) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    filip_user = await make_user(db, "filip_test", "Филиппов Филипп Филиппович", "filip_test@devr7.ru")
    await deliver(db, filip_user, subject="Старое письмо", sender=("Бухгалтерия", "buh@devr7.ru"))
    me = await client.login("user_test")
    filip = await client.login("filip_test")
    document = b"PK\x03\x04" + "Договор поставки".encode() * 500

    # user_test uploads Док.docx and sends it to filip_test and to an outside address.
    staged = await upload(me, "Док.docx", document)
    with smtp_server() as smtp:
        services.smtp_url = smtp.url
        sent = (
            await me.data(
                SEND,
                {
                    "i": {
                        "to": ["filip_test@devr7.ru", "partner@example.org"],
                        "subject": "Договор на подпись",
                        "body": "Прошу подписать договор.",
                        "attachmentIds": [staged["id"]],
                    }
                },
            )
        )["sendMessage"]
        assert sent["deliveryStatus"] == "QUEUED"
        assert (await relay_due(services)).sent == 1
        outside = smtp.wait_for(1)[0].parsed()
    assert outside["Subject"] == "Договор на подпись"
    assert next(outside.iter_attachments()).get_content() == document
    await check(db, me, "user_test", SENT=(1, 0))
    await check(db, filip, "filip_test", INBOX=(2, 2))

    # filip_test finds it in the Inbox with the R7 filters and downloads the attachment.
    inbox = (await filip.data("{ folders { id role } }"))["folders"]
    inbox_id = next(f["id"] for f in inbox if f["role"] == "INBOX")
    found = (
        await filip.data(
            FIND,
            {
                "folder": inbox_id,
                "f": {
                    "from": "siz_test",
                    "hasAttachments": True,
                    "wasRead": False,
                    "query": "договор подписать",
                },
            },
        )
    )["messages"]
    assert found["totalCount"] == 1 and found["unreadCount"] == 1
    message = found["nodes"][0]
    assert message["attachments"][0]["fileName"] == "Док.docx"
    download = await filip.http.get(message["attachments"][0]["downloadUrl"])
    assert download.status_code == 200 and download.content == document

    # Two messages: read, unread, important, not important.
    every = (await filip.data(FIND, {"folder": inbox_id}))["messages"]["nodes"]
    ids = [n["id"] for n in every]
    assert len(ids) == 2
    assert (await filip.data(MARK_READ, {"ids": ids, "r": True}))["markAsRead"]["count"] == 2
    await check(db, filip, "filip_test", INBOX=(2, 0))
    assert (await filip.data(MARK_READ, {"ids": ids, "r": False}))["markAsRead"]["count"] == 2
    await check(db, filip, "filip_test", INBOX=(2, 2))
    assert (await filip.data(MARK_IMPORTANT, {"ids": ids, "v": True}))["markAsImportant"]["count"] == 2
    flagged = (await filip.data(FIND, {"folder": inbox_id, "f": {"important": True}}))["messages"]
    assert flagged["totalCount"] == 2
    assert (await filip.data(MARK_IMPORTANT, {"ids": ids, "v": False}))["markAsImportant"]["count"] == 2
    assert (await filip.data(FIND, {"folder": inbox_id, "f": {"important": True}}))["messages"]["totalCount"] == 0

    # Move them to a folder of filip's own, then delete: to Trash, then for good.
    folder = (await filip.data('mutation { createFolder(name: "Договоры") { id } }'))["createFolder"]
    assert (await filip.data(MOVE, {"ids": ids, "to": folder["id"]}))["moveMessages"]["count"] == 2
    await check(db, filip, "filip_test", INBOX=(0, 0), Договоры=(2, 2))
    await filip.data(MARK_READ, {"ids": ids[:1], "r": True})
    await check(db, filip, "filip_test", Договоры=(2, 1))
    assert (await filip.data(DELETE, {"ids": ids}))["deleteMessages"]["count"] == 2
    await check(db, filip, "filip_test", Договоры=(0, 0), TRASH=(2, 1))
    gone = (await filip.data(DELETE, {"ids": ids}))["deleteMessages"]
    assert gone["count"] == 2 and gone["messages"] == []
    await check(db, filip, "filip_test", TRASH=(0, 0), INBOX=(0, 0))

    # The sender's copy is untouched by what the recipient did.
    await check(db, me, "user_test", SENT=(1, 0))


async def test_a_send_to_an_unreachable_relay_marks_the_thread_with_an_error(
    db: Database, client: Client, services: Services
) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    me = await client.login("user_test")
    thread = (await me.data('mutation { createMailThread(input: {name: "Поставка"}) { id } }'))["createMailThread"]
    # Nothing listens on this port: every relay attempt fails.
    services.smtp_url = f"smtp://127.0.0.1:{free_port()}"
    services.smtp_retries = 1
    services.smtp_backoff = 0.01
    first = await me.data(SEND, {"i": {"to": ["partner@example.org"], "subject": "Поставка", "body": "1"}})
    original: dict[str, Any] = first["sendMessage"]
    reply = (
        await me.data(
            SEND,
            {
                "i": {
                    "to": ["partner@example.org"],
                    "subject": "Re: Поставка",
                    "body": "2",
                    "inReplyToId": original["id"],
                }
            },
        )
    )["sendMessage"]
    thread_id = reply["thread"]["id"]
    for i in range(4):
        await relay_due(services, now=utcnow() + timedelta(minutes=i + 1))
    state = (
        await me.data(
            "query($id: ID!) { mailThread(id: $id) { messageHasError messageHasErrorCounter } }", {"id": thread_id}
        )
    )["mailThread"]
    assert state == {"messageHasError": True, "messageHasErrorCounter": 2}
    untouched = (await me.data("query($id: ID!) { mailThread(id: $id) { messageHasError } }", {"id": thread["id"]}))[
        "mailThread"
    ]
    assert untouched == {"messageHasError": False}
