"""Identities: a reply sent with an identity's signature has it exactly once — not again
for the quoted mail, not twice for a draft sent later — with its From, Reply-To and Bcc."""

from __future__ import annotations

from typing import Any

from db.engine import Database
from tests.utils.factories import make_user
from tests.utils.graphql import Client

CREATE = """mutation($i: IdentityInput!) { createIdentity(input: $i) {
  id name address replyTo bcc textSignature htmlSignature isDefault } }"""
SEND = """mutation($i: SendMessageInput!) { sendMessage(input: $i) {
  id body htmlBody from { name address } replyTo { address } bcc { address } } }"""
DRAFT = "mutation($i: DraftInput!) { saveDraft(input: $i) { id body from { address } } }"
INBOX = "{ messages(first: 20) { nodes { id subject body from { address } replyTo { address } folder { role } } } }"
SIGNATURE = "\n".join(["Федор Сизый", "главный закупщик"])
BLOCK = f"-- \n{SIGNATURE}"


async def latest_in_inbox(client: Client) -> dict[str, Any]:
    nodes = (await client.data(INBOX))["messages"]["nodes"]
    return next(n for n in nodes if n["folder"]["role"] == "INBOX")


def unquoted(body: str) -> str:
    return "\n".join(line for line in body.split("\n") if not line.startswith(">"))


async def test_a_reply_sent_with_an_identity_carries_its_signature_once(db: Database, client: Client) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филипп Тестов", "filip_test@devr7.ru")
    await make_user(db, "archive_test", "Архив", "archive_test@devr7.ru")
    me, filip = await client.login("user_test"), await client.login("filip_test")
    work = (
        await me.data(
            CREATE,
            {
                "i": {
                    "name": "Федор Сизый",
                    "address": "siz_test+work@devr7.ru",
                    "replyTo": "zakupki@devr7.ru",
                    "bcc": "archive_test@devr7.ru",
                    "textSignature": SIGNATURE,
                    "htmlSignature": "<p>Федор Сизый<br><b>главный закупщик</b><script>x()</script></p>",
                }
            },
        )
    )["createIdentity"]
    assert work["isDefault"] is True and "<script>" not in work["htmlSignature"]

    await filip.data(SEND, {"i": {"to": ["siz_test@devr7.ru"], "subject": "План", "body": "Вот план"}})
    original = await latest_in_inbox(me)
    reply_body = "Спасибо, получил.\n\nФилипп Тестов wrote:\n> Вот план"
    sent = (
        await me.data(
            SEND,
            {"i": {"inReplyToId": original["id"], "to": ["filip_test@devr7.ru"], "body": reply_body,
                   "identityId": work["id"]}},
        )
    )["sendMessage"]  # fmt: skip
    assert sent["body"] == f"Спасибо, получил.\n\n{BLOCK}\n\nФилипп Тестов wrote:\n> Вот план"
    assert sent["from"] == {"name": "Федор Сизый", "address": "siz_test+work@devr7.ru"}
    assert sent["replyTo"] == [{"address": "zakupki@devr7.ru"}]
    assert sent["bcc"] == [{"address": "archive_test@devr7.ru"}]
    got = await latest_in_inbox(filip)
    assert got["body"].count(SIGNATURE) == 1 and got["replyTo"] == [{"address": "zakupki@devr7.ru"}]
    assert (await latest_in_inbox(await client.login("archive_test")))["body"] == sent["body"]

    # Filip answers quoting the signed mail; the next reply signs once, above the quote.
    quoted = "\n".join("> " + line for line in got["body"].split("\n"))
    await filip.data(SEND, {"i": {"inReplyToId": got["id"], "to": ["siz_test@devr7.ru"], "body": f"Ок\n\n{quoted}"}})
    second = await latest_in_inbox(me)
    again = (
        await me.data(SEND, {"i": {"inReplyToId": second["id"], "to": ["filip_test@devr7.ru"], "body": "Договорились"}})
    )["sendMessage"]
    assert again["body"] == f"Договорились\n\n{BLOCK}"  # the default identity, signed once

    # A draft saved with the identity, saved again with its own (signed) body, then sent: signed once.
    draft = (
        await me.data(
            DRAFT,
            {"i": {"to": ["filip_test@devr7.ru"], "subject": "Черновик", "body": "Текст", "identityId": work["id"]}},
        )
    )["saveDraft"]
    assert draft["body"] == f"Текст\n\n{BLOCK}" and draft["from"] == {"address": "siz_test+work@devr7.ru"}
    resaved = (await me.data(DRAFT, {"i": {"id": draft["id"], "body": draft["body"]}}))["saveDraft"]
    assert resaved["body"] == draft["body"]
    final = (await me.data(SEND, {"i": {"draftId": draft["id"]}}))["sendMessage"]
    assert unquoted(final["body"]).count(SIGNATURE) == 1
    assert final["from"]["address"] == "siz_test+work@devr7.ru"


async def test_html_signature_goes_in_once_before_the_quote(db: Database, client: Client) -> None:
    await make_user(db, "user_test", "Сизый", "siz_test@devr7.ru")
    me = await client.login("user_test")
    ident = (await me.data(CREATE, {"i": {"address": "siz_test@devr7.ru", "htmlSignature": "<p><b>Сизый</b></p>"}}))[
        "createIdentity"
    ]
    html = "<p>Привет</p><blockquote><p>старое</p></blockquote>"
    sent = (await me.data(SEND, {"i": {"to": ["x@example.ru"], "htmlBody": html, "identityId": ident["id"]}}))[
        "sendMessage"
    ]
    assert sent["htmlBody"].count("<b>Сизый</b>") == 1
    assert sent["htmlBody"].index("<b>Сизый</b>") < sent["htmlBody"].index("<blockquote>")
    assert sent["body"].count("Сизый") == 1  # the text signature derived from the HTML one


async def test_identities_are_the_users_own_and_one_is_the_default(db: Database, client: Client) -> None:
    await make_user(db, "user_test", "Сизый", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филипп", "filip_test@devr7.ru")
    me, filip = await client.login("user_test"), await client.login("filip_test")
    for address in ("filip_test@devr7.ru", "siz_test@example.ru", "siz_testx@devr7.ru"):
        assert await me.error_codes(CREATE, {"i": {"address": address}}) == ["BAD_USER_INPUT"]
    first = (await me.data(CREATE, {"i": {"address": "siz_test@devr7.ru"}}))["createIdentity"]
    second = (await me.data(CREATE, {"i": {"address": "siz_test+news@devr7.ru", "isDefault": True}}))["createIdentity"]
    listing = "{ identities { id isDefault } }"
    assert (await me.data(listing))["identities"] == [
        {"id": second["id"], "isDefault": True},
        {"id": first["id"], "isDefault": False},
    ]
    update = "mutation($id: ID!, $i: IdentityInput!) { updateIdentity(id: $id, input: $i) { id name } }"
    assert await filip.error_codes(update, {"id": first["id"], "i": {"name": "x"}}) == ["NOT_FOUND"]
    assert (await filip.data(listing))["identities"] == []
    # Someone else's identity cannot be sent as, and nothing is sent.
    assert await filip.error_codes(SEND, {"i": {"to": ["siz_test@devr7.ru"], "identityId": first["id"]}}) == [
        "NOT_FOUND"
    ]
    assert (await me.data("{ messages { totalCount } }"))["messages"]["totalCount"] == 0
    delete = "mutation($id: ID!) { deleteIdentity(id: $id) }"
    assert (await me.data(delete, {"id": second["id"]}))["deleteIdentity"] is True
    assert (await me.data(listing))["identities"] == [{"id": first["id"], "isDefault": True}]
