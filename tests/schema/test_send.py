"""sendMessage: internal delivery, SMTP relay to a real server, failures, replies, forwards, retries."""

from __future__ import annotations

from datetime import timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

from db.engine import Database
from db.types import utcnow
from resolvers.outbox import relay_due
from resolvers.services import Services
from tests.schema.test_upload import upload
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client
from tests.utils.smtp import free_port, smtp_server

SEND = """mutation($i: SendMessageInput!) { sendMessage(input: $i) {
  id subject body htmlBody wasSent wasRead isDraft deliveryStatus messageId inReplyTo references important
  deliveryErrors { recipient message at } folder { role } thread { id }
  from { name address } to { name address } bcc { address }
  attachments { id fileName size sha256 downloadUrl } } }"""

MESSAGE = """query($id: ID!) { message(id: $id) {
  id subject wasReplied wasForwarded deliveryStatus deliveryErrors { recipient message at }
  folder { role } thread { id } messageId } }"""

INBOX = """{ folders { id role totalCount unreadCount } messages(first: 20) { totalCount nodes {
  id subject body htmlBody wasRead messageId inReplyTo references thread { id }
  from { name address } to { name address } cc { address } bcc { address }
  folder { role } attachments { fileName size downloadUrl } } } }"""


async def folders(client: Client) -> dict[str, dict[str, Any]]:
    data = await client.data("{ folders { id role totalCount unreadCount } }")
    return {f["role"]: f for f in data["folders"] if f["role"]}


async def send(client: Client, **fields: Any) -> dict[str, Any]:
    data = await client.data(SEND, {"i": fields})
    result: dict[str, Any] = data["sendMessage"]
    return result


async def users(db: Database) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филип Тестов", "filip_test@devr7.ru")


async def relay_until_done(services: Services, passes: int = 10) -> None:
    for i in range(passes):
        await relay_due(services, now=utcnow() + timedelta(minutes=i + 1))


async def test_send_to_an_internal_and_an_external_recipient(db: Database, client: Client, services: Services) -> None:
    await users(db)
    me = await client.login("user_test")
    data = b"PK\x03\x04" + "Отчёт".encode() * 1000 + bytes(range(256))
    staged = await upload(me, "Док.docx", data)
    with smtp_server() as smtp:
        services.smtp_url = smtp.url
        sent = await send(
            me,
            to=["Филип Тестов <filip_test@devr7.ru>", "Внешний Адресат <ext@example.org>"],
            bcc=["hidden@example.net"],
            subject="Отчёт за май",
            htmlBody="<p>Привет, <b>Филип</b>!</p><p>Отчёт во вложении.</p>",
            attachmentIds=[staged["id"]],
            important=True,
            requestReadReceipt=True,
        )
        assert sent["folder"]["role"] == "SENT"
        assert sent["wasSent"] and sent["wasRead"] and not sent["isDraft"]
        assert sent["deliveryStatus"] == "QUEUED"
        assert sent["from"] == {"name": "Сизый Федор Петрович", "address": "siz_test@devr7.ru"}
        assert [a["address"] for a in sent["bcc"]] == ["hidden@example.net"]
        assert "Привет, Филип!" in sent["body"]
        assert sent["attachments"][0]["fileName"] == "Док.docx"
        assert sent["attachments"][0]["sha256"] == staged["sha256"]
        assert sent["attachments"][0]["id"] != staged["id"]

        result = await relay_due(services)
        assert (result.sent, result.failed) == (2, 0)
        received = smtp.wait_for(1)
    assert len(received) == 1
    envelope = received[0]
    assert envelope.sender == "siz_test@devr7.ru"
    assert sorted(envelope.recipients) == ["ext@example.org", "hidden@example.net"]
    assert b"hidden@example.net" not in envelope.data
    mail = BytesParser(policy=policy.default).parsebytes(envelope.data)
    assert mail["Subject"] == "Отчёт за май"
    assert mail["From"].addresses[0].addr_spec == "siz_test@devr7.ru"
    assert mail["From"].addresses[0].display_name == "Сизый Федор Петрович"
    assert [a.addr_spec for a in mail["To"].addresses] == ["filip_test@devr7.ru", "ext@example.org"]
    assert mail["Bcc"] is None
    assert mail["Message-ID"] == f"<{sent['messageId']}>"
    assert mail["Date"] is not None
    assert mail["Importance"] == "high"
    assert mail["Disposition-Notification-To"] == "siz_test@devr7.ru"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and "Привет, Филип!" in text.get_content()
    assert html is not None and "<b>Филип</b>" in html.get_content()
    files = list(mail.iter_attachments())
    assert len(files) == 1
    assert files[0].get_filename() == "Док.docx"
    assert "filename*=" in str(files[0]["Content-Disposition"]) or b"filename*=" in envelope.data
    assert files[0].get_content() == data

    after = await me.data(MESSAGE, {"id": sent["id"]})
    assert after["message"]["deliveryStatus"] == "SENT"
    assert after["message"]["deliveryErrors"] == []

    filip = await client.login("filip_test")
    inbox = await filip.data(INBOX)
    counts = {f["role"]: f for f in inbox["folders"]}
    assert counts["INBOX"]["totalCount"] == 1 and counts["INBOX"]["unreadCount"] == 1
    node = inbox["messages"]["nodes"][0]
    assert node["subject"] == "Отчёт за май"
    assert node["folder"]["role"] == "INBOX"
    assert node["wasRead"] is False
    assert node["bcc"] == []
    assert node["messageId"] == sent["messageId"]
    assert node["from"]["address"] == "siz_test@devr7.ru"
    assert node["attachments"][0]["fileName"] == "Док.docx"
    download = await filip.http.get(node["attachments"][0]["downloadUrl"])
    assert download.status_code == 200
    assert download.content == data

    mine = await folders(me)
    assert mine["SENT"]["totalCount"] == 1 and mine["SENT"]["unreadCount"] == 0


async def test_relay_down_fails_after_the_retries_and_keeps_the_sent_copy(
    db: Database, client: Client, services: Services
) -> None:
    await users(db)
    me = await client.login("user_test")
    services.smtp_url = f"smtp://127.0.0.1:{free_port()}"
    services.smtp_retries = 2
    services.smtp_backoff = 0.01
    sent = await send(me, to=["ext@example.org", "filip_test@devr7.ru"], subject="Undeliverable", body="текст")
    assert sent["deliveryStatus"] == "QUEUED"
    first = await relay_due(services)
    assert (first.sent, first.failed, first.retrying) == (0, 0, 1)
    still = await me.data(MESSAGE, {"id": sent["id"]})
    assert still["message"]["deliveryStatus"] == "QUEUED"
    await relay_until_done(services)
    after = (await me.data(MESSAGE, {"id": sent["id"]}))["message"]
    assert after["deliveryStatus"] == "FAILED"
    assert [e["recipient"] for e in after["deliveryErrors"]] == ["ext@example.org"]
    assert "3 attempts" in after["deliveryErrors"][0]["message"]
    assert after["deliveryErrors"][0]["at"]
    assert after["folder"]["role"] == "SENT"
    assert (await folders(me))["SENT"]["totalCount"] == 1
    filip = await client.login("filip_test")
    assert (await folders(filip))["INBOX"]["totalCount"] == 1


async def test_a_refused_recipient_fails_at_once_and_the_others_are_sent(
    db: Database, client: Client, services: Services
) -> None:
    await users(db)
    me = await client.login("user_test")
    with smtp_server() as smtp:
        smtp.recorder.refuse.add("nobody@example.org")
        services.smtp_url = smtp.url
        sent = await send(me, to=["ext@example.org"], cc=["nobody@example.org"], subject="s", body="b")
        result = await relay_due(services)
        assert (result.sent, result.failed, result.retrying) == (1, 1, 0)
        assert smtp.wait_for(1)[0].recipients == ["ext@example.org"]
    after = (await me.data(MESSAGE, {"id": sent["id"]}))["message"]
    assert after["deliveryStatus"] == "FAILED"
    assert after["deliveryErrors"][0]["recipient"] == "nobody@example.org"
    assert "550" in after["deliveryErrors"][0]["message"]


async def test_without_a_relay_external_recipients_fail_at_once_and_internal_ones_get_it(
    db: Database, client: Client, services: Services
) -> None:
    await users(db)
    me = await client.login("user_test")
    assert services.smtp_url is None
    sent = await send(me, to=["filip_test@devr7.ru", "ext@example.org"], subject="Локально", body="текст")
    assert sent["deliveryStatus"] == "FAILED"
    assert [e["recipient"] for e in sent["deliveryErrors"]] == ["ext@example.org"]
    assert "no SMTP relay" in sent["deliveryErrors"][0]["message"]
    filip = await client.login("filip_test")
    inbox = await filip.data(INBOX)
    assert [n["subject"] for n in inbox["messages"]["nodes"]] == ["Локально"]


async def test_internal_only_mail_is_sent_at_once(db: Database, client: Client) -> None:
    await users(db)
    me = await client.login("user_test")
    sent = await send(me, cc=["FILIP_TEST@devr7.ru"], subject="Только свои", body="текст")
    assert sent["deliveryStatus"] == "SENT"
    filip = await client.login("filip_test")
    assert (await folders(filip))["INBOX"]["unreadCount"] == 1


async def test_reply_sets_headers_joins_a_thread_and_marks_the_original(
    db: Database, client: Client, services: Services
) -> None:
    await users(db)
    user = await make_user(db, "third_test", "Третий", "third_test@devr7.ru")
    original_id = await deliver(db, user, subject="Вопрос", sender=("Филип Тестов", "filip_test@devr7.ru"))
    me = await client.login("third_test")
    original = (await me.data(MESSAGE, {"id": str(original_id)}))["message"]
    assert original["thread"] is None
    with smtp_server() as smtp:
        services.smtp_url = smtp.url
        reply = await send(
            me,
            to=["filip_test@devr7.ru", "ext@example.org"],
            subject="Re: Вопрос",
            body="Ответ",
            inReplyToId=str(original_id),
        )
        await relay_due(services)
        received = smtp.wait_for(1)
    assert reply["inReplyTo"] == original["messageId"]
    assert reply["references"] == [original["messageId"]]
    assert reply["thread"] is not None
    marked = (await me.data(MESSAGE, {"id": str(original_id)}))["message"]
    assert marked["wasReplied"] is True
    assert marked["thread"]["id"] == reply["thread"]["id"]
    mail = BytesParser(policy=policy.default).parsebytes(received[0].data)
    assert mail["In-Reply-To"] == f"<{original['messageId']}>"
    assert mail["References"] == f"<{original['messageId']}>"
    filip = await client.login("filip_test")
    node = (await filip.data(INBOX))["messages"]["nodes"][0]
    assert node["inReplyTo"] == original["messageId"]
    assert node["thread"]["id"] == reply["thread"]["id"]

    # A reply to the reply stays in the thread and carries the whole chain.
    again = await send(me, to=["filip_test@devr7.ru"], subject="Re: Вопрос", body="Ещё", inReplyToId=reply["id"])
    assert again["references"] == [original["messageId"], reply["messageId"]]
    assert again["thread"]["id"] == reply["thread"]["id"]


async def test_forward_reuses_the_originals_attachments_and_marks_it(db: Database, client: Client) -> None:
    await users(db)
    user = await make_user(db, "third_test", "Третий", "third_test@devr7.ru")
    data = b"%PDF-1.4 " + bytes(range(256))
    original_id = await deliver(db, user, subject="Счёт", files=[("Счёт.pdf", "application/pdf", data)])
    other_id = await deliver(db, user, subject="Другое", files=[("other.txt", "text/plain", b"other")])
    me = await client.login("third_test")
    files = await me.data(
        """query($a: ID!, $b: ID!) {
             a: message(id: $a) { attachments { id } } b: message(id: $b) { attachments { id } } }""",
        {"a": str(original_id), "b": str(other_id)},
    )
    attachment_id = files["a"]["attachments"][0]["id"]
    # An attachment of a message that is not the one forwarded is not usable.
    codes = await me.error_codes(
        SEND,
        {
            "i": {
                "to": ["filip_test@devr7.ru"],
                "subject": "Fwd",
                "forwardOfId": str(original_id),
                "attachmentIds": [files["b"]["attachments"][0]["id"]],
            }
        },
    )
    assert codes == ["NOT_FOUND"]
    forward = await send(
        me,
        to=["filip_test@devr7.ru"],
        subject="Fwd: Счёт",
        body="Смотри",
        forwardOfId=str(original_id),
        attachmentIds=[attachment_id],
    )
    assert forward["attachments"][0]["fileName"] == "Счёт.pdf"
    marked = (await me.data(MESSAGE, {"id": str(original_id)}))["message"]
    assert marked["wasForwarded"] is True and marked["wasReplied"] is False
    filip = await client.login("filip_test")
    node = (await filip.data(INBOX))["messages"]["nodes"][0]
    assert (await filip.http.get(node["attachments"][0]["downloadUrl"])).content == data


async def test_the_same_idempotency_key_delivers_once(db: Database, client: Client) -> None:
    await users(db)
    me = await client.login("user_test")
    fields = {"to": ["filip_test@devr7.ru"], "subject": "Один раз", "body": "b", "idempotencyKey": "k-1"}
    first = await send(me, **fields)
    second = await send(me, **fields)
    assert second["id"] == first["id"]
    other = await send(me, **{**fields, "idempotencyKey": "k-2"})
    assert other["id"] != first["id"]
    filip = await client.login("filip_test")
    assert (await folders(filip))["INBOX"]["totalCount"] == 2
    assert (await folders(me))["SENT"]["totalCount"] == 2


async def test_a_bad_address_is_bad_user_input_and_nothing_is_stored(db: Database, client: Client) -> None:
    await users(db)
    me = await client.login("user_test")
    body = await me.execute(SEND, {"i": {"to": ["filip_test@devr7.ru", "не адрес"], "subject": "x", "body": "y"}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "не адрес" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["address"] == "не адрес"
    for bad in (["a@b@c"], ["two@x.ru, three@y.ru"], ["x@-bad-.ru"]):
        assert await me.error_codes(SEND, {"i": {"cc": bad, "subject": "x"}}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(SEND, {"i": {"subject": "nobody", "body": "y"}}) == ["BAD_USER_INPUT"]
    assert (await folders(me))["SENT"]["totalCount"] == 0
    filip = await client.login("filip_test")
    assert (await folders(filip))["INBOX"]["totalCount"] == 0


async def test_html_is_sanitized_and_the_text_derived(db: Database, client: Client) -> None:
    await users(db)
    me = await client.login("user_test")
    html = (
        '<p onclick="steal()">Привет <a href="javascript:alert(1)">ссылка</a>'
        '<a href="https://example.org/">сайт</a></p><script>alert("x")</script>'
        '<img src="x" onerror="alert(2)"><iframe src="https://evil.example"></iframe>'
    )
    sent = await send(me, to=["filip_test@devr7.ru"], subject="html", htmlBody=html)
    clean = sent["htmlBody"]
    for bad in ("<script", "onclick", "onerror", "javascript:", "alert", "<iframe"):
        assert bad not in clean
    assert 'href="https://example.org/"' in clean
    assert sent["body"].startswith("Привет ссылкасайт")
    assert "https://example.org/" in sent["body"]
    filip = await client.login("filip_test")
    node = (await filip.data(INBOX))["messages"]["nodes"][0]
    assert node["htmlBody"] == clean


async def test_someone_elses_ids_are_not_found(db: Database, client: Client) -> None:
    await users(db)
    filip_user = await make_user(db, "other_test", "Other", "other_test@devr7.ru")
    theirs = await deliver(db, filip_user, subject="чужое", files=[("a.txt", "text/plain", b"a")])
    me = await client.login("user_test")
    other = await client.login("other_test")
    their_file = await other.data("query($id: ID!) { message(id: $id) { attachments { id } } }", {"id": str(theirs)})
    staged = await upload(other, "b.txt", b"b", "text/plain")
    base = {"to": ["filip_test@devr7.ru"], "subject": "x"}
    for extra in (
        {"inReplyToId": str(theirs)},
        {"forwardOfId": str(theirs)},
        {"draftId": str(theirs)},
        {"attachmentIds": [their_file["message"]["attachments"][0]["id"]]},
        {"attachmentIds": [staged["id"]]},
        {"attachmentIds": ["999999"]},
    ):
        assert await me.error_codes(SEND, {"i": {**base, **extra}}) == ["NOT_FOUND"], extra
    assert (await folders(me))["SENT"]["totalCount"] == 0
