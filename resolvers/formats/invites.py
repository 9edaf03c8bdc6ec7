"""Calendar invites (text/calendar): the attendee's answer, read with icalendar."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from db.models import InviteStatus

#: PARTSTAT values (RFC 5545 3.2.12) that a message's eventInviteStatus can show.
_PARTSTAT = {
    "NEEDS-ACTION": InviteStatus.NEEDS_ACTION,
    "ACCEPTED": InviteStatus.ACCEPTED,
    "TENTATIVE": InviteStatus.TENTATIVE,
    "DECLINED": InviteStatus.DECLINED,
}


def _address(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip().lower()


def _attendees(component: Any) -> list[Any]:
    value = component.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def invite_status(ics: bytes | str, attendee: str | None = None) -> str:
    """The PARTSTAT of the invite's attendee as NONE, NEEDS_ACTION, ACCEPTED, TENTATIVE or DECLINED.

    With ``attendee`` (an address) that attendee's answer; else the first
    attendee's. An attendee without PARTSTAT has not answered (NEEDS_ACTION, the
    RFC 5545 default). NONE when the text is unreadable, has no event or no
    attendee, or the PARTSTAT is one a mail client does not show (DELEGATED...).
    """
    try:
        calendar = Calendar.from_ical(ics)
        events = list(calendar.walk("VEVENT"))
    except Exception:  # icalendar raises ValueError, KeyError, IndexError... on bad input
        return InviteStatus.NONE.value
    wanted = _address(attendee) if attendee else None
    for event in events:
        for person in _attendees(event):
            if wanted is not None and _address(person) != wanted:
                continue
            params = getattr(person, "params", {}) or {}
            partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).strip().upper()
            return _PARTSTAT.get(partstat, InviteStatus.NONE).value
    return InviteStatus.NONE.value
