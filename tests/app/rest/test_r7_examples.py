# ruff: noqa: RUF001  (Russian text, as the R7 document writes it)
"""The R7 document replayed: each request example sent as written (with this mailbox's ids),
each answer checked field by field against the document's example answer."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx

from db.engine import Database
from tests.app.rest import r7_examples as ex
from tests.schema.test_upload import upload
from tests.utils.factories import deliver, folder_id, make_folder, make_label, make_thread, make_user
from tests.utils.graphql import Client
from tests.utils.json_schema import answer_schema, check
from tests.utils.shapes import assert_shape

#: What the README names as always null, or null because the example's data is R7's own.
USER_NULLS = frozenset(f"$.Response.Data.User.{name}" for name in ("Jid", "Modified", "Customer"))


async def r7_login(http: httpx.AsyncClient, login: str = "user_test") -> dict[str, str]:
    answer = await http.post("/api/v2/auth/Login", json={**ex.LOGIN_REQUEST, "Login": login})
    assert answer.status_code == 200, answer.text
    return {"Authorization": answer.json()["Response"]["Data"]["Tokens"]["AuthToken"]}


def with_ids(example: dict[str, Any], **ids: Any) -> dict[str, Any]:
    body = copy.deepcopy(example)
    body.update(ids)
    return body


async def test_login_answers_the_documented_envelope(db: Database, http: httpx.AsyncClient) -> None:
    me = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    answer = await http.post("/api/v2/auth/Login", json=ex.LOGIN_REQUEST)
    assert answer.status_code == 200
    body = answer.json()
    assert_shape(body, ex.LOGIN_RESPONSE, may_be_null=USER_NULLS)
    openapi = (await http.get("/api/openapi.json")).json()
    check(body, answer_schema(openapi, "POST", "/api/v2/auth/Login"))
    check(
        wrong := (await http.post("/api/v2/auth/Login", json={})).json(),
        answer_schema(openapi, "POST", "/api/v2/auth/Login", 400),
    )
    assert wrong["Error"]["Code"] == "BAD_USER_INPUT"
    data = body["Response"]["Data"]
    assert (body["Status"], body["StatusCode"], body["Response"]["TypeName"]) == (200, 200, "AuthResponse")
    assert data["Tokens"]["UserId"] == data["User"]["Id"] == me.id
    assert (data["User"]["Surname"], data["User"]["FirstName"], data["User"]["MiddleName"]) == (
        "Сизый",
        "Федор",
        "Петрович",
    )
    assert datetime.fromisoformat(data["Tokens"]["ExpiredAt"]) > datetime.now(UTC)
    # The token works as the document says (bare), as Bearer, and on GraphQL.
    token = data["Tokens"]["AuthToken"]
    for header in (token, f"Bearer {token}"):
        listed = await http.post("/api/v1/email/Messages", json={"folderId": 0}, headers={"Authorization": header})
        assert listed.status_code == 200, listed.text
    assert (await Client(http, token).data("{ me { login } }"))["me"]["login"] == "user_test"

    wrong = await http.post("/api/v2/auth/Login", json={"Login": "user_test", "Password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["Error"]["Code"] == "UNAUTHENTICATED"


async def test_r7_document_walkthrough(db: Database, http: httpx.AsyncClient) -> None:
    me = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филиппов Филипп Филиппович", "filip_test@devr7.ru")
    inbox = await folder_id(db, me, "INBOX")
    headers = await r7_login(http)
    openapi = (await http.get("/api/openapi.json")).json()

    # 3.1: the filter example finds the one matching letter, with every field of the example.
    found = await deliver(
        db,
        me,
        subject="пппп",
        body="\nппппп",
        html_body="<p>\nпппп</p>",
        sender=(None, "filip_test@s7-office.site"),
        to=[(None, "siz_test@devr7.ru")],
        date=datetime(2025, 6, 18, 12, 6, 21, tzinfo=UTC),
        message_id_header="63797767-7e4c-4cd6-8913-c4c3162ed77a@s7-office.site",
        was_read=True,
    )
    await deliver(db, me, subject="пппп", sender=(None, "other@example.org"), date=datetime(2025, 6, 18, tzinfo=UTC))
    await deliver(
        db, me, subject="пппп", sender=(None, "filip_test@s7-office.site"), date=datetime(2025, 5, 1, tzinfo=UTC)
    )
    answer = await http.post(
        "/api/v1/email/Messages", json=with_ids(ex.FILTER_REQUEST, folderId=inbox), headers=headers
    )
    assert answer.status_code == 200, answer.text
    listing = answer.json()
    assert_shape(listing, ex.FILTER_RESPONSE)
    check(listing, answer_schema(openapi, "POST", "/api/v1/email/Messages"))
    assert (listing["FolderId"], listing["Count"], listing["UnreadCount"]) == (inbox, 1, 0)
    item = listing["Items"][0]
    expected = {
        **ex.FILTER_ITEM,
        "Id": found,
        "OwnerId": me.id,
        "FolderId": inbox,
        "Uid": found,
        "ExternalId": str(found),
    }
    for name in (
        "Id",
        "Subject",
        "Body",
        "From",
        "HtmlBody",
        "OwnerId",
        "FolderId",
        "To",
        "Cc",
        "Bcc",
        "WasRead",
        "MessageId",
        "ThreadId",
        "Date",
        "Uid",
        "ExternalId",
        "Labels",
        "Attachments",
        "HasChildren",
    ):
        assert item[name] == expected[name], name

    # 3.2: read letters with three labels, "" meaning no bound; the answer's thread and children.
    labels = [(await make_label(db, me, name)).id for name in ("Работа", "Срочно", "Ответ")]
    thread = await make_thread(db, me, "Тема письма", key="ef8e4782-3517-4547-bc9d-d8d0c06c5ae9")
    answered = await deliver(
        db,
        me,
        subject="Тема письма ОТВЕТ",
        body="\nОТВЕТ",
        sender=(None, "filip_test@devr7.ru"),
        date=datetime(2025, 6, 27, 4, 21, 50, tzinfo=UTC),
        message_id_header="6c0201f3-541a-4f8c-8c56-29ed97aed7dd@devr7.ru",
        thread_id=thread,
        label_ids=labels,
        was_read=True,
    )
    await deliver(
        db,
        me,
        subject="Re: Тема",
        in_reply_to="6c0201f3-541a-4f8c-8c56-29ed97aed7dd@devr7.ru",
        label_ids=labels[:2],
        was_read=True,
    )
    request = copy.deepcopy(ex.READ_STATUS_REQUEST)
    request["folderId"], request["SearchContext"]["Labels"] = inbox, labels
    answer = await http.post("/api/v1/email/Messages", json=request, headers=headers)
    assert answer.status_code == 200, answer.text
    listing = answer.json()
    assert_shape(listing, ex.READ_STATUS_RESPONSE)
    check(listing, answer_schema(openapi, "POST", "/api/v1/email/Messages"))
    assert (listing["Count"], listing["UnreadCount"]) == (1, 0)
    item = listing["Items"][0]
    assert (item["Id"], sorted(item["Labels"]), item["ThreadId"], item["HasChildren"]) == (
        answered,
        labels,
        thread,
        True,
    )
    assert (item["ThreadCount"], item["HasThreadAttachments"]) == (1, False)

    # 2: send the draft (Id) with its attachment; the answer is the sender's copy in Sent.
    me_gql = Client(http, headers["Authorization"])
    staged = await upload(me_gql, "Док.docx", b"PK\x03\x04" + b"x" * 1000)
    draft = (
        await me_gql.data(
            "mutation($i: DraftInput!) { saveDraft(input: $i) { id attachments { id } } }",
            {"i": {"subject": "Отправка файла", "attachmentIds": [staged["id"]]}},
        )
    )["saveDraft"]
    request = copy.deepcopy(ex.SEND_REQUEST)
    request["Id"] = int(draft["id"])
    request["Attachments"][0]["Id"] = int(draft["attachments"][0]["id"])
    answer = await http.post("/api/v1/email/Send", json=request, headers=headers)
    assert answer.status_code == 200, answer.text
    sent = answer.json()
    assert_shape(sent, ex.SEND_RESPONSE)
    check(sent, answer_schema(openapi, "POST", "/api/v1/email/Send"))
    assert sent["FolderId"] == await folder_id(db, me, "SENT")
    assert (sent["Subject"], sent["To"], sent["Cc"], sent["Bcc"]) == ("Отправка файла", ["filip_test@devr7.ru"], [], [])
    assert sent["From"] == {"Name": "Сизый Федор Петрович", "Address": "siz_test@devr7.ru"}
    assert sent["HasAttachments"] is True and sent["Attachments"][0]["FileName"] == "Док.docx"
    assert (sent["Body"], sent["HtmlBody"]) == ("Письмо с файлом\n", "<p>Письмо с файлом\n</p>")
    drafts = await http.post(
        "/api/v1/email/Messages", json={"folderId": await folder_id(db, me, "DRAFTS")}, headers=headers
    )
    assert drafts.json()["Count"] == 0

    # 4 and 5: read, unread, important, not important: each answers true.
    pair = [await deliver(db, me, subject=f"Письмо {n}") for n in (711, 710)]
    for example, (flag, value) in (
        (ex.MARK_READ, ("WasRead", True)),
        (ex.MARK_UNREAD, ("WasRead", False)),
        (ex.MARK_FAVORITE, ("Important", True)),
        (ex.UNMARK_FAVORITE, ("Important", False)),
    ):
        path = "/api/v1/email/MarkAsRead" if "WasRead" in example else "/api/v1/email/MarkAsFavorite"
        answer = await http.post(path, json=with_ids(example, folderId=inbox, Ids=pair), headers=headers)
        assert (answer.status_code, answer.json()) == (200, True)
        listed = await http.post("/api/v1/email/Messages", json={"folderId": inbox, "size": 200}, headers=headers)
        states = {i["Id"]: i[flag] for i in listed.json()["Items"] if i["Id"] in pair}
        assert states == dict.fromkeys(pair, value)

    # 7: the attachment of a letter, by folder, message and file name.
    invite = await deliver(
        db, me, subject="Приглашение", files=[("invite.ics", "text/calendar", ex.INVITE_ICS.encode())]
    )
    answer = await http.get(ex.ATTACHMENT_QUERY.replace("24", str(inbox)).replace("884", str(invite)), headers=headers)
    assert answer.status_code == 200 and answer.text == ex.INVITE_ICS
    assert answer.headers["content-type"].startswith("text/calendar")
    answer = await http.get(
        f"/api/v1/email/Attachments?folderId={inbox}&Ids={invite}&FileName=invite.ics", headers=headers
    )
    assert answer.status_code == 200 and answer.content == ex.INVITE_ICS.encode()

    # 6.2 then 6.1: move two letters to a folder of one's own, then delete them from it (to Trash).
    mine = await make_folder(db, me, "Архив")
    two = [await deliver(db, me, subject=f"Письмо {n}") for n in (709, 708)]
    answer = await http.post(
        "/api/v1/email/MoveMessage", json=with_ids(ex.MOVE, fromId=inbox, Ids=two, toId=mine), headers=headers
    )
    assert (answer.status_code, answer.json()) == (200, True)
    moved = await http.post("/api/v1/email/Messages", json={"folderId": mine}, headers=headers)
    assert sorted(i["Id"] for i in moved.json()["Items"]) == sorted(two)
    answer = await http.post("/api/v1/email/Delete", json=with_ids(ex.DELETE, folderId=mine, Ids=two), headers=headers)
    assert (answer.status_code, answer.json()) == (200, True)
    trash = await http.post(
        "/api/v1/email/Messages", json={"folderId": await folder_id(db, me, "TRASH")}, headers=headers
    )
    assert sorted(i["Id"] for i in trash.json()["Items"]) == sorted(two)
