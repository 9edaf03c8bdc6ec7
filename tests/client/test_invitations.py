"""Invitations: read on every path that stores mail (sendMessage, SMTP), answered with an
iTIP REPLY; a decline by filip_test reaches user_test as a REPLY that turns the organizer's
copy to DECLINED; an outside organizer gets the REPLY through the relay."""

from __future__ import annotations

import asyncio
import smtplib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from app.smtpd import build_controller
from db.engine import Database
from resolvers.formats.itip import details
from resolvers.outbox import relay_due
from resolvers.services import Services
from tests.schema.test_upload import upload
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.smtp import smtp_server

INVITE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
METHOD:REQUEST
BEGIN:VEVENT
UID:{uid}
SEQUENCE:0
DTSTAMP:20261201T090000Z
DTSTART:20261210T100000Z
DTEND:20261210T110000Z
SUMMARY:Планёрка
LOCATION:Переговорная 3
ORGANIZER;CN={org_name}:mailto:{organizer}
ATTENDEE;CN=Филипп Тестов;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:filip_test@devr7.ru
END:VEVENT
END:VCALENDAR
"""
FIELDS = """id subject eventInviteStatus folder { role } conversationId
  invite { uid method summary start end location organizer { name address }
           attendees { address status } comment }"""
SEND = f"mutation($i: SendMessageInput!) {{ sendMessage(input: $i) {{ {FIELDS} }} }}"
RESPOND = f"""mutation($id: ID!, $s: InviteAnswer!, $c: String) {{
  respondToInvite(messageId: $id, status: $s, comment: $c) {{ {FIELDS} }} }}"""
MAILBOX = f"{{ messages(first: 20) {{ nodes {{ {FIELDS} }} }} }}"


def ics(uid: str, organizer: str, org_name: str) -> bytes:
    return INVITE.format(uid=uid, organizer=organizer, org_name=org_name).replace("\n", "\r\n").encode()


async def mailbox(client: Client) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = (await client.data(MAILBOX))["messages"]["nodes"]
    return nodes


async def test_an_invitation_declined_by_filip_turns_the_organizers_copy_to_declined(
    db: Database, client: Client
) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филипп Тестов", "filip_test@devr7.ru")
    me, filip = await client.login("user_test"), await client.login("filip_test")
    staged = await upload(me, "invite.ics", ics("plan-1@devr7.ru", "siz_test@devr7.ru", "Сизый"), "text/calendar")
    sent = (
        await me.data(
            SEND, {"i": {"to": ["filip_test@devr7.ru"], "subject": "Планёрка", "body": "Приходи",
                         "attachmentIds": [staged["id"]]}}
        )
    )["sendMessage"]  # fmt: skip
    # sendMessage reads the invitation too: the organizer's copy waits for the answer.
    assert sent["eventInviteStatus"] == "NEEDS_ACTION"
    assert sent["invite"] == {
        "uid": "plan-1@devr7.ru",
        "method": "REQUEST",
        "summary": "Планёрка",
        "start": "2026-12-10T10:00:00+00:00",
        "end": "2026-12-10T11:00:00+00:00",
        "location": "Переговорная 3",
        "organizer": {"name": "Сизый", "address": "siz_test@devr7.ru"},
        "attendees": [{"address": "filip_test@devr7.ru", "status": "NEEDS_ACTION"}],
        "comment": None,
    }
    [invitation] = await mailbox(filip)
    assert invitation["eventInviteStatus"] == "NEEDS_ACTION" and invitation["invite"]["summary"] == "Планёрка"

    # Answers are only for invitations of one's own.
    assert await me.error_codes(RESPOND, {"id": invitation["id"], "s": "DECLINED"}) == ["NOT_FOUND"]
    state = (await me.data("{ mailboxState }"))["mailboxState"]
    answer = (await filip.data(RESPOND, {"id": invitation["id"], "s": "DECLINED", "c": "Занят"}))["respondToInvite"]
    assert answer["eventInviteStatus"] == "DECLINED"
    assert answer["invite"]["attendees"] == [{"address": "filip_test@devr7.ru", "status": "DECLINED"}]
    filips = await mailbox(filip)
    [reply_sent] = [m for m in filips if m["folder"]["role"] == "SENT"]
    assert reply_sent["invite"]["method"] == "REPLY" and reply_sent["conversationId"] == invitation["conversationId"]

    # user_test gets the REPLY, and the invitation in Sent now says DECLINED.
    mine = {m["folder"]["role"]: m for m in await mailbox(me)}
    reply = mine["INBOX"]
    assert reply["subject"] == "Declined: Планёрка"
    assert reply["invite"]["method"] == "REPLY" and reply["invite"]["comment"] == "Занят"
    assert reply["eventInviteStatus"] == "DECLINED"
    assert mine["SENT"]["id"] == sent["id"] and mine["SENT"]["eventInviteStatus"] == "DECLINED"
    assert mine["SENT"]["invite"]["attendees"] == [{"address": "filip_test@devr7.ru", "status": "DECLINED"}]
    assert reply["conversationId"] == sent["conversationId"]
    changes = (
        await me.data(
            "query($s: String!) { messageChanges(sinceState: $s) { created { id } updated { id eventInviteStatus } } }",
            {"s": state},
        )
    )["messageChanges"]
    assert changes["created"] == [{"id": reply["id"]}]
    assert changes["updated"] == [{"id": sent["id"], "eventInviteStatus": "DECLINED"}]

    # A message without an invitation has nothing to answer.
    assert await me.error_codes(RESPOND, {"id": reply["id"], "s": "ACCEPTED"}) == ["BAD_USER_INPUT"]


def outside_invite() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Иван Петров <ivan@example.ru>"
    mail["To"] = "filip_test@devr7.ru"
    mail["Subject"] = "Приглашение: Планёрка"
    mail["Message-ID"] = "<invite-1@example.ru>"
    mail.set_content("Приглашаю на планёрку.")
    mail.add_alternative(
        ics("outside-1@example.ru", "ivan@example.ru", "Иван Петров").decode(),
        subtype="calendar",
        params={"method": "REQUEST"},
    )
    return mail.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


async def test_an_outside_invitation_over_smtp_is_answered_through_the_relay(
    db: Database, client: Client, services: Services
) -> None:
    await make_user(db, "filip_test", "Филипп Тестов", "filip_test@devr7.ru")

    def send(port: int) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            return smtp.sendmail("ivan@example.ru", ["filip_test@devr7.ru"], outside_invite())

    async with build_controller(db, "127.0.0.1", 0) as server:
        assert server.port
        assert await asyncio.to_thread(send, server.port) == {}
    filip = await client.login("filip_test")
    [invitation] = await mailbox(filip)
    assert invitation["eventInviteStatus"] == "NEEDS_ACTION"
    assert invitation["invite"]["organizer"] == {"name": "Иван Петров", "address": "ivan@example.ru"}
    assert invitation["invite"]["location"] == "Переговорная 3"

    with smtp_server() as relay:
        services.smtp_url = relay.url
        answer = (await filip.data(RESPOND, {"id": invitation["id"], "s": "TENTATIVE"}))["respondToInvite"]
        assert answer["eventInviteStatus"] == "TENTATIVE"
        result = await relay_due(services)
        assert (result.sent, result.failed) == (1, 0)
        [received] = relay.wait_for(1)
    assert received.recipients == ["ivan@example.ru"]
    mail = BytesParser(policy=policy.default).parsebytes(received.data)
    assert mail["Subject"] == "Tentative: Планёрка"
    assert mail["In-Reply-To"] == "<invite-1@example.ru>"
    [calendar] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    answer_sent = details(calendar.get_payload(decode=True))
    assert answer_sent is not None
    assert (answer_sent["method"], answer_sent["uid"]) == ("REPLY", "outside-1@example.ru")
    assert answer_sent["attendees"] == [
        {"address": "filip_test@devr7.ru", "name": "Филипп Тестов", "status": "TENTATIVE"}
    ]
