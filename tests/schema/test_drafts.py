"""saveDraft create and update, then sendMessage(draftId): the draft leaves Drafts, counters exact."""

from __future__ import annotations

from typing import Any

from db.engine import Database
from tests.schema.test_send import MESSAGE, SEND, folders, send, users
from tests.schema.test_upload import upload
from tests.utils.factories import deliver
from tests.utils.graphql import Client

SAVE = """mutation($i: DraftInput!) { saveDraft(input: $i) {
  id subject body htmlBody isDraft wasRead wasSent deliveryStatus inReplyTo references important
  folder { role } to { name address } cc { address } bcc { address } attachments { id fileName sha256 } } }"""


async def save(client: Client, **fields: Any) -> dict[str, Any]:
    data = await client.data(SAVE, {"i": fields})
    result: dict[str, Any] = data["saveDraft"]
    return result


async def test_draft_is_saved_updated_then_sent_and_leaves_drafts(db: Database, client: Client) -> None:
    await users(db)
    me = await client.login("user_test")
    first_file = await upload(me, "План.txt", "план".encode(), "text/plain")
    draft = await save(
        me, to=["Филип <filip_test@devr7.ru>"], subject="Черновик", body="v1", attachmentIds=[first_file["id"]]
    )
    assert draft["isDraft"] and draft["wasRead"] and not draft["wasSent"]
    assert draft["folder"]["role"] == "DRAFTS"
    assert draft["deliveryStatus"] == "NONE"
    assert draft["to"] == [{"name": "Филип", "address": "filip_test@devr7.ru"}]
    assert [a["fileName"] for a in draft["attachments"]] == ["План.txt"]
    counts = await folders(me)
    assert (counts["DRAFTS"]["totalCount"], counts["DRAFTS"]["unreadCount"]) == (1, 0)

    second_file = await upload(me, "Смета.txt", "смета".encode(), "text/plain")
    kept = draft["attachments"][0]["id"]
    updated = await save(
        me,
        id=draft["id"],
        subject="Черновик 2",
        htmlBody="<p>v2 <b>жирный</b></p>",
        cc=["ext@example.org"],
        attachmentIds=[kept, second_file["id"]],
        important=True,
    )
    assert updated["id"] == draft["id"]
    assert updated["subject"] == "Черновик 2"
    assert updated["body"] == "v2 жирный"
    assert updated["to"] == draft["to"]  # not given: kept
    assert [a["address"] for a in updated["cc"]] == ["ext@example.org"]
    assert updated["important"] is True
    assert [a["fileName"] for a in updated["attachments"]] == ["План.txt", "Смета.txt"]
    assert updated["attachments"][0]["id"] == kept
    counts = await folders(me)
    assert (counts["DRAFTS"]["totalCount"], counts["DRAFTS"]["unreadCount"]) == (1, 0)
    found = await me.data('{ messages(first: 5, filter: {query: "жирный"}) { nodes { id } } }')
    assert [n["id"] for n in found["messages"]["nodes"]] == [draft["id"]]

    # Dropping an attachment from the draft.
    trimmed = await save(me, id=draft["id"], attachmentIds=[kept])
    assert [a["fileName"] for a in trimmed["attachments"]] == ["План.txt"]

    sent = await send(me, draftId=draft["id"], cc=[])
    assert sent["id"] != draft["id"]
    assert sent["subject"] == "Черновик 2"
    assert sent["folder"]["role"] == "SENT"
    assert sent["deliveryStatus"] == "SENT"
    assert sent["important"] is True
    assert [a["fileName"] for a in sent["attachments"]] == ["План.txt"]
    counts = await folders(me)
    assert (counts["DRAFTS"]["totalCount"], counts["DRAFTS"]["unreadCount"]) == (0, 0)
    assert (counts["SENT"]["totalCount"], counts["SENT"]["unreadCount"]) == (1, 0)
    assert await me.error_codes(MESSAGE, {"id": draft["id"]}) == ["NOT_FOUND"]
    # A sent draft cannot be sent or saved again.
    assert await me.error_codes(SEND, {"i": {"draftId": draft["id"]}}) == ["NOT_FOUND"]
    assert await me.error_codes(SAVE, {"i": {"id": draft["id"], "subject": "x"}}) == ["NOT_FOUND"]

    filip = await client.login("filip_test")
    theirs = await filip.data("{ messages(first: 5) { nodes { subject body htmlBody attachments { fileName } } } }")
    node = theirs["messages"]["nodes"][0]
    assert node["subject"] == "Черновик 2"
    assert "<b>жирный</b>" in node["htmlBody"]
    assert [a["fileName"] for a in node["attachments"]] == ["План.txt"]
    counts = await folders(filip)
    assert (counts["INBOX"]["totalCount"], counts["INBOX"]["unreadCount"]) == (1, 1)


async def test_a_reply_draft_marks_the_original_when_it_is_sent(db: Database, client: Client) -> None:
    await users(db)
    from tests.utils.factories import make_user

    user = await make_user(db, "third_test", "Третий", "third_test@devr7.ru")
    original_id = await deliver(db, user, subject="Вопрос", sender=("Филип", "filip_test@devr7.ru"))
    forwarded_id = await deliver(db, user, subject="Пересылка", sender=("Филип", "filip_test@devr7.ru"))
    me = await client.login("third_test")
    original = (await me.data(MESSAGE, {"id": str(original_id)}))["message"]
    reply = await save(me, to=["filip_test@devr7.ru"], subject="Re: Вопрос", inReplyToId=str(original_id))
    assert reply["inReplyTo"] == original["messageId"]
    assert (await me.data(MESSAGE, {"id": str(original_id)}))["message"]["wasReplied"] is False
    await send(me, draftId=reply["id"])
    assert (await me.data(MESSAGE, {"id": str(original_id)}))["message"]["wasReplied"] is True

    forward = await save(me, to=["filip_test@devr7.ru"], subject="Fwd", forwardOfId=str(forwarded_id))
    await send(me, draftId=forward["id"])
    marked = (await me.data(MESSAGE, {"id": str(forwarded_id)}))["message"]
    assert marked["wasForwarded"] is True and marked["wasReplied"] is False


async def test_draft_addresses_are_checked_but_recipients_are_optional(db: Database, client: Client) -> None:
    await users(db)
    me = await client.login("user_test")
    empty = await save(me, subject="Без адресатов")
    assert empty["to"] == [] and empty["body"] == ""
    assert await me.error_codes(SAVE, {"i": {"bcc": ["@nope"]}}) == ["BAD_USER_INPUT"]
    assert (await folders(me))["DRAFTS"]["totalCount"] == 1
    # Sending a draft without recipients is refused, and the draft stays.
    assert await me.error_codes(SEND, {"i": {"draftId": empty["id"]}}) == ["BAD_USER_INPUT"]
    assert (await folders(me))["DRAFTS"]["totalCount"] == 1
