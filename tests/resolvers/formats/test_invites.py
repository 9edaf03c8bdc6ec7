"""invite_status: the attendee's PARTSTAT of a text/calendar invite."""

from __future__ import annotations

import pytest

from resolvers.formats.invites import invite_status

REQUEST = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
METHOD:REQUEST
BEGIN:VTIMEZONE
TZID:Russian Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0300
TZOFFSETTO:+0300
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000D0F1
DTSTAMP:20250310T081500Z
DTSTART;TZID=Russian Standard Time:20250312T100000
DTEND;TZID=Russian Standard Time:20250312T110000
SUMMARY;LANGUAGE=ru-RU:Планёрка по проекту
ORGANIZER;CN="Сизый Федор Петрович":mailto:siz_test@devr7.ru
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};RSVP=TRUE;CN="Филиппов Ф
 илипп Филиппович":mailto:filip_test@devr7.ru
END:VEVENT
END:VCALENDAR
"""


def ics(partstat: str) -> bytes:
    return REQUEST.format(partstat=partstat).replace("\n", "\r\n").encode()


@pytest.mark.parametrize(
    ("partstat", "status"),
    [
        ("NEEDS-ACTION", "NEEDS_ACTION"),
        ("ACCEPTED", "ACCEPTED"),
        ("TENTATIVE", "TENTATIVE"),
        ("DECLINED", "DECLINED"),
        ("declined", "DECLINED"),
        ("DELEGATED", "NONE"),
    ],
)
def test_partstat_maps_to_invite_status(partstat: str, status: str) -> None:
    assert invite_status(ics(partstat)) == status


def test_reply_with_declined_attendee() -> None:
    reply = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        b"METHOD:REPLY\r\nBEGIN:VEVENT\r\nDTSTART:20250401T090000Z\r\nDTEND:20250401T100000Z\r\n"
        b"DTSTAMP:20250325T120000Z\r\nORGANIZER;CN=Fedor:mailto:siz_test@devr7.ru\r\nUID:kickoff@example.com\r\n"
        b"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=Michael Brown:\r\n"
        b" mailto:m.brown@example.org\r\n"
        b"SUMMARY:Q3 planning kickoff\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert invite_status(reply) == "DECLINED"
    assert invite_status(reply.decode()) == "DECLINED"


def test_attendee_without_partstat_has_not_answered() -> None:
    text = ics("X").replace(b"PARTSTAT=X;", b"")
    assert b"PARTSTAT" not in text
    assert invite_status(text) == "NEEDS_ACTION"


def test_a_given_attendee_is_picked_among_several() -> None:
    text = ics("ACCEPTED").replace(
        b"END:VEVENT",
        b"ATTENDEE;PARTSTAT=TENTATIVE;CN=Anna:MAILTO:A.Smirnova@example.ru\r\nEND:VEVENT",
    )
    assert invite_status(text) == "ACCEPTED"
    assert invite_status(text, attendee="a.smirnova@example.ru") == "TENTATIVE"
    assert invite_status(text, attendee="filip_test@devr7.ru") == "ACCEPTED"
    assert invite_status(text, attendee="nobody@example.com") == "NONE"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a calendar at all",
        b"\xff\xfe\x00garbage",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:broken",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:no one\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:1\r\n"
        b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
    ],
)
def test_unreadable_or_empty_invites_are_none(data: bytes) -> None:
    assert invite_status(data) == "NONE"
