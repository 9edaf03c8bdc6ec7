"""iTIP (RFC 5546) over iCalendar: what an invitation says, and the REPLY an attendee sends.

``details`` reads a text/calendar body into the plain dict a message keeps
(``Message.invite``); ``reply`` writes the METHOD:REPLY an attendee sends to
the organizer with their PARTSTAT. Pure functions over icalendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

#: PARTSTAT values and the InviteStatus names a message shows for them.
PARTSTATS = {"NEEDS-ACTION": "NEEDS_ACTION", "ACCEPTED": "ACCEPTED", "TENTATIVE": "TENTATIVE", "DECLINED": "DECLINED"}
STATUS_TO_PARTSTAT = {v: k for k, v in PARTSTATS.items()}


def _address(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip().lower()


def _when(value: Any) -> str | None:
    if value is None:
        return None
    moment = getattr(value, "dt", value)
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC).isoformat()
    return None


def _people(component: Any, key: str) -> list[Any]:
    value = component.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _person(value: Any) -> dict[str, Any]:
    params = getattr(value, "params", {}) or {}
    partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).strip().upper()
    return {
        "address": _address(value),
        "name": str(params["CN"]) if params.get("CN") else None,
        "status": PARTSTATS.get(partstat, "NONE"),
    }


def details(ics: bytes | str) -> dict[str, Any] | None:
    """The first event of a calendar as a plain dict, or None when there is no readable event.

    Keys: uid, method (REQUEST, REPLY, CANCEL...), sequence, summary, start, end (ISO 8601, UTC),
    location, organizer ({address, name}), attendees ([{address, name, status}]), comment.
    """
    try:
        calendar = Calendar.from_ical(ics)
        events = list(calendar.walk("VEVENT"))
    except Exception:  # icalendar raises ValueError, KeyError, IndexError... on bad input
        return None
    if not events:
        return None
    event = events[0]
    uid = str(event.get("UID") or "").strip()
    if not uid:
        return None
    organizer = event.get("ORGANIZER")
    try:
        sequence = int(str(event.get("SEQUENCE") or 0))
    except ValueError:
        sequence = 0
    return {
        "uid": uid[:255],
        "method": str(calendar.get("METHOD") or "PUBLISH").strip().upper(),
        "sequence": sequence,
        "summary": str(event.get("SUMMARY") or ""),
        "start": _when(event.get("DTSTART")),
        "end": _when(event.get("DTEND")),
        "location": str(event.get("LOCATION")) if event.get("LOCATION") else None,
        "organizer": _person(organizer) if organizer is not None else None,
        "attendees": [_person(p) for p in _people(event, "ATTENDEE")],
        "comment": str(event.get("COMMENT")) if event.get("COMMENT") else None,
    }


def attendee_status(invite: dict[str, Any], address: str) -> str:
    """The status the invite gives ``address`` (else its first attendee's; NONE without attendees)."""
    people = invite.get("attendees") or []
    for person in people:
        if person["address"] == address.lower():
            return str(person["status"])
    return str(people[0]["status"]) if people else "NONE"


def reply(invite: dict[str, Any], attendee: str, attendee_name: str | None, status: str, comment: str | None) -> bytes:
    """The METHOD:REPLY an attendee sends the organizer: the event's identity, their PARTSTAT."""
    calendar = Calendar()
    calendar.add("prodid", "-//mailgate//iTIP reply//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REPLY")
    event = Event()
    event.add("uid", invite["uid"])
    event.add("sequence", int(invite.get("sequence") or 0))
    event.add("dtstamp", datetime.now(UTC))
    if invite.get("start"):
        event.add("dtstart", datetime.fromisoformat(invite["start"]))
    if invite.get("end"):
        event.add("dtend", datetime.fromisoformat(invite["end"]))
    if invite.get("summary"):
        event.add("summary", invite["summary"])
    organizer = invite.get("organizer") or {}
    if organizer.get("address"):
        who = vCalAddress(f"mailto:{organizer['address']}")
        if organizer.get("name"):
            who.params["CN"] = vText(organizer["name"])
        event["organizer"] = who
    me = vCalAddress(f"mailto:{attendee}")
    me.params["PARTSTAT"] = vText(STATUS_TO_PARTSTAT[status])
    if attendee_name:
        me.params["CN"] = vText(attendee_name)
    event.add("attendee", me, encode=False)
    if comment:
        event.add("comment", comment)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
