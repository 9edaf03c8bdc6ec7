"""Conversations: a walk-through of five mails and a reply from outside through SMTP,
listed as one entry with the right counts and moved as one; joining by subject
within a week; isolation; statements constant in page size."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from app.smtpd import build_controller
from db.engine import Database
from db.types import utcnow
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting

SEND = """mutation($i: SendMessageInput!) { sendMessage(input: $i) { id messageId conversationId } }"""
LIST = """query($f: ID, $first: Int, $filter: ConversationFilter) {
  conversations(folderId: $f, first: $first, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { id subject messageCount unreadCount hasAttachments snippet important
      participants { name address } latestMessage { id subject from { address } folder { role } } } } }"""
ONE = """query($id: ID!) { conversation(id: $id) { id messageCount unreadCount
  messages { id subject conversationId folder { role } from { address } } } }"""
FOLDERS = "{ folders { id role totalCount unreadCount } }"
INBOX_IDS = "{ messages(first: 50) { nodes { id subject conversationId messageId } } }"


async def folders(client: Client) -> dict[str, dict[str, Any]]:
    return {f["role"]: f for f in (await client.data(FOLDERS))["folders"] if f["role"]}


async def listing(client: Client, folder: str | None, **variables: Any) -> list[dict[str, Any]]:
    data = await client.data(LIST, {"f": folder, **variables})
    nodes: list[dict[str, Any]] = data["conversations"]["nodes"]
    return nodes


def outside_reply(in_reply_to: str, references: list[str]) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Иван Петров <ivan@example.ru>"
    mail["To"] = "siz_test@devr7.ru"
    mail["Subject"] = "Re: План на квартал"
    mail["Message-ID"] = "<outside-1@example.ru>"
    mail["In-Reply-To"] = f"<{in_reply_to}>"
    mail["References"] = " ".join(f"<{r}>" for r in references)
    mail.set_content("Согласен, добавлю цифры в таблицу.")
    mail.add_attachment(b"a;b\n1;2\n", maintype="text", subtype="csv", filename="plan.csv")
    return mail.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


async def smtp_deliver(db: Database, raw: bytes) -> None:
    def send(port: int) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            return smtp.sendmail("ivan@example.ru", ["siz_test@devr7.ru"], raw)

    async with build_controller(db, "127.0.0.1", 0) as server:
        assert server.port
        assert await asyncio.to_thread(send, server.port) == {}


async def test_five_mails_and_an_outside_reply_are_one_conversation_moved_as_one(db: Database, client: Client) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филипп Тестов", "filip_test@devr7.ru")
    me, filip = await client.login("user_test"), await client.login("filip_test")
    await deliver(db, await _user(db, "user_test"), subject="Совсем другое письмо", body="Ничего про план")

    # Two people answer each other four times; each reply names the message it answers.
    await filip.data(SEND, {"i": {"to": ["siz_test@devr7.ru"], "subject": "План на квартал", "body": "Вот план"}})
    for turn in range(4):
        sender, inbox_of_sender = (me, me) if turn % 2 == 0 else (filip, filip)
        nodes = (await inbox_of_sender.data(INBOX_IDS))["messages"]["nodes"]
        latest = next(n for n in nodes if "План" in n["subject"])
        to = "filip_test@devr7.ru" if sender is me else "siz_test@devr7.ru"
        sent = (await sender.data(SEND, {"i": {"to": [to], "body": f"ответ {turn}", "inReplyToId": latest["id"]}}))[
            "sendMessage"
        ]
    assert sent["conversationId"]

    # The fifth mail from user_test's side of things comes from outside, over SMTP, answering the last one.
    mine = (await me.data(INBOX_IDS))["messages"]["nodes"]
    last = next(n for n in mine if "План" in n["subject"])
    await smtp_deliver(db, outside_reply(last["messageId"], [last["messageId"]]))

    before = await folders(me)
    inbox = await listing(me, before["INBOX"]["id"])
    assert [c["subject"] for c in inbox] == ["План на квартал", "Совсем другое письмо"]
    plan = inbox[0]
    # Filip's three mails and Ivan's reply are unread in the Inbox; user_test's two replies are in Sent.
    assert plan["messageCount"] == 6 and plan["unreadCount"] == 4
    assert plan["hasAttachments"] is True and plan["important"] is False
    assert plan["snippet"] == "Согласен, добавлю цифры в таблицу."
    assert [p["address"] for p in plan["participants"]] == [
        "filip_test@devr7.ru",
        "siz_test@devr7.ru",
        "ivan@example.ru",
    ]
    assert plan["latestMessage"]["from"] == {"address": "ivan@example.ru"}
    whole = (await me.data(ONE, {"id": plan["id"]}))["conversation"]
    assert {m["conversationId"] for m in whole["messages"]} == {plan["id"]}
    assert [m["folder"]["role"] for m in whole["messages"]] == ["INBOX", "SENT", "INBOX", "SENT", "INBOX", "INBOX"]

    # Filip sees his own conversation of the same mails, not user_test's.
    filips = await listing(filip, None)
    assert [c["messageCount"] for c in filips] == [5] and filips[0]["id"] != plan["id"]
    assert await filip.error_codes(ONE, {"id": plan["id"]}) == ["NOT_FOUND"]
    assert await filip.error_codes(LIST, {"f": before["INBOX"]["id"]}) == ["NOT_FOUND"]
    move = "mutation($ids: [ID!]!, $to: ID!) { moveConversations(ids: $ids, toFolderId: $to) { count } }"
    filip_archive = (await folders(filip))["ARCHIVE"]["id"]
    assert await filip.error_codes(move, {"ids": [plan["id"]], "to": filip_archive}) == ["NOT_FOUND"]

    # Moved as one: the four received mails go to Archive, the sent copies stay in Sent.
    state = (await me.data("{ mailboxState }"))["mailboxState"]
    moved = (await me.data(move, {"ids": [plan["id"]], "to": before["ARCHIVE"]["id"]}))["moveConversations"]
    assert moved["count"] == 4
    after = await folders(me)
    assert after["INBOX"]["totalCount"] == before["INBOX"]["totalCount"] - 4
    assert after["INBOX"]["unreadCount"] == before["INBOX"]["unreadCount"] - 4
    assert after["ARCHIVE"] == {**before["ARCHIVE"], "totalCount": 4, "unreadCount": 4}
    assert [c["subject"] for c in await listing(me, after["INBOX"]["id"])] == ["Совсем другое письмо"]
    [archived] = await listing(me, after["ARCHIVE"]["id"])
    assert (archived["id"], archived["messageCount"], archived["unreadCount"]) == (plan["id"], 6, 4)
    assert [c["id"] for c in await listing(me, after["SENT"]["id"])] == [plan["id"]]

    # The move is in messageChanges, each message naming its conversation.
    changes = (
        await me.data(
            "query($s: String!) { messageChanges(sinceState: $s) { updated { conversationId folder { role } } } }",
            {"s": state},
        )
    )["messageChanges"]
    assert changes["updated"] == [{"conversationId": plan["id"], "folder": {"role": "ARCHIVE"}}] * 4

    # Read as one, and the unread filter follows the stored counters.
    read = "mutation($ids: [ID!]!) { markConversationsAsRead(ids: $ids) { count } }"
    assert (await me.data(read, {"ids": [plan["id"]]}))["markConversationsAsRead"]["count"] == 4
    assert await listing(me, None, filter={"unread": True}) == await listing(me, after["INBOX"]["id"])
    assert (await folders(me))["ARCHIVE"]["unreadCount"] == 0


async def _user(db: Database, login: str) -> Any:
    from sqlalchemy import select

    from db.models import User, table_of
    from resolvers.loaders import USER_COLUMNS
    from resolvers.records import UserRecord

    async with db.read() as session:
        row = (await session.execute(select(*USER_COLUMNS).where(table_of(User).c.login == login))).mappings().one()
    return UserRecord.from_row(row)


async def test_mail_without_reply_headers_joins_by_subject_within_a_week(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    now = utcnow()
    first = await deliver(db, user, subject="Отчёт за март", date=now - timedelta(days=3))
    await deliver(db, user, subject="RE: Ответ: ОТЧЁТ за март", date=now - timedelta(days=1))
    await deliver(db, user, subject="Отчёт за март", date=now + timedelta(days=30))
    await deliver(db, user, subject="", date=now)
    await deliver(db, user, subject="", date=now)
    me = await client.login("user_test")
    found = await listing(me, None)
    assert sorted(c["messageCount"] for c in found) == [1, 1, 1, 2]
    joined = next(c for c in found if c["messageCount"] == 2)
    ids = [m["id"] for m in (await me.data(ONE, {"id": joined["id"]}))["conversation"]["messages"]]
    assert ids[0] == str(first)


async def test_a_conversation_page_costs_the_same_statements_for_1_and_20(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    for i in range(25):
        await deliver(db, user, subject=f"Тема {i}", files=[("a.txt", "text/plain", b"x")])
        await deliver(db, user, subject=f"Re: Тема {i}", in_reply_to=None)
    me = await client.login("user_test")
    inbox = (await folders(me))["INBOX"]["id"]
    query = """query($f: ID, $first: Int) { conversations(folderId: $f, first: $first) { nodes {
      id messageCount participants { address } latestMessage { subject folder { role } labels { name } }
      messages { id attachments { fileName } } } } }"""
    counts = {}
    for first in (1, 20):
        with counting(db) as statements:
            data = await me.data(query, {"f": inbox, "first": first})
        assert len(data["conversations"]["nodes"]) == first
        assert all(c["messageCount"] == 2 for c in data["conversations"]["nodes"])
        counts[first] = len(statements)
    assert counts[1] == counts[20], counts


async def test_paging_through_conversations_with_a_cursor(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    now = utcnow()
    for i in range(5):
        await deliver(db, user, subject=f"Письмо {i}", date=now - timedelta(hours=i))
    me = await client.login("user_test")
    page = """query($after: String) { conversations(first: 2, after: $after) {
      pageInfo { hasNextPage endCursor } nodes { subject } } }"""
    seen, after = [], None
    while True:
        data = (await me.data(page, {"after": after}))["conversations"]
        seen += [n["subject"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == [f"Письмо {i}" for i in range(5)]
    assert await me.error_codes(page, {"after": "garbage"}) == ["BAD_USER_INPUT"]
