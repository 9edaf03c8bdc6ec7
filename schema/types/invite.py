"""The invitation a message carries (a text/calendar part), as the message's field."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry

from schema.enums import InviteStatus


@strawberry.enum(description="An attendee's answer to an invitation.")
class InviteAnswer(enum.Enum):
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"


@strawberry.type(description="Someone an invitation names, with their answer as this copy knows it.")
class InvitePerson:
    name: str | None
    address: str
    status: InviteStatus


@strawberry.type(description="A calendar invitation (iCalendar VEVENT) carried by a message.")
class Invite:
    uid: str = strawberry.field(description="The event's UID, shared by the invitation and its replies.")
    method: str = strawberry.field(description="The iTIP method: REQUEST, REPLY, CANCEL, PUBLISH...")
    summary: str
    start: datetime | None
    end: datetime | None
    location: str | None
    organizer: InvitePerson | None
    attendees: list[InvitePerson]
    comment: str | None = strawberry.field(description="The attendee's comment, on a REPLY.")

    @classmethod
    def maybe(cls, value: dict[str, Any] | None) -> Invite | None:
        if not value:
            return None
        org = value.get("organizer")
        return cls(
            uid=value["uid"],
            method=value.get("method") or "PUBLISH",
            summary=value.get("summary") or "",
            start=datetime.fromisoformat(value["start"]) if value.get("start") else None,
            end=datetime.fromisoformat(value["end"]) if value.get("end") else None,
            location=value.get("location"),
            organizer=_person(org) if org else None,
            attendees=[_person(p) for p in value.get("attendees") or []],
            comment=value.get("comment"),
        )


def _person(value: dict[str, Any]) -> InvitePerson:
    status = value.get("status") or "NONE"
    return InvitePerson(
        name=value.get("name"),
        address=value["address"],
        status=InviteStatus(status if status in InviteStatus.__members__ else "NONE"),
    )
