"""Invitations: read on every path that stores a message, answered with an iTIP REPLY.

``invite_of`` is what ``store_message`` asks for each message: the invitation
it carries (given by the caller, e.g. parsed from SMTP mail, or read from a
text/calendar attachment of a send or a draft) and the status to show the
owner (their own PARTSTAT; the organizer's copy shows the latest answer).
A REPLY that arrives for an organizer updates the organizer's copies of the
invitation (``apply_reply``). ``respond_to_invite`` sends the attendee's REPLY
through ``send_message`` (internally, or to the relay for outside organizers)
and records the answer on the invitation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Blob, ChangeKind, Message, table_of
from db.types import utcnow
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.contacts import address_of_owner
from resolvers.formats.itip import PARTSTATS, attendee_status, details, reply

M = table_of(Message)
B = table_of(Blob)
ANSWERS = ("ACCEPTED", "TENTATIVE", "DECLINED")
_VERB = {"ACCEPTED": "Accepted", "TENTATIVE": "Tentative", "DECLINED": "Declined"}


def is_calendar(mime_type: str, file_name: str) -> bool:
    """A text/calendar part or an .ics file."""
    return mime_type.lower().startswith("text/calendar") or file_name.lower().endswith(".ics")


async def invite_of(
    session: AsyncSession, owner_id: int, invite: dict[str, Any] | None, calendar_sha256: str | None, status: str
) -> tuple[dict[str, Any] | None, str]:
    """(the invitation, the owner's status) of a message about to be stored in ``owner_id``'s mailbox."""
    if invite is None and calendar_sha256 is not None:
        data = (await session.execute(select(B.c.data).where(B.c.sha256 == calendar_sha256))).scalar()
        invite = details(data) if data is not None else None
    if invite is None:
        return None, status
    if invite["method"] == "REPLY":
        people = invite.get("attendees") or []
        return invite, str(people[0]["status"]) if people else status
    return invite, attendee_status(invite, await address_of_owner(session, owner_id))


async def apply_reply(session: AsyncSession, owner_id: int, message_id: int, answer: dict[str, Any]) -> None:
    """An attendee's REPLY reached the organizer: their copies of the invitation take the answer."""
    organizer = (answer.get("organizer") or {}).get("address")
    if not organizer or organizer != await address_of_owner(session, owner_id):
        return
    rows = (
        await session.execute(
            select(M.c.id, M.c.folder_id, M.c.invite)
            .where(M.c.owner_id == owner_id, M.c.invite_uid == answer["uid"], M.c.id != message_id)
            .order_by(M.c.id)
        )
    ).all()
    answers = {p["address"]: p["status"] for p in answer.get("attendees") or [] if p["status"] in PARTSTATS.values()}
    changed = []
    for row in rows:
        invite = dict(row.invite or {})
        if invite.get("method") == "REPLY":
            continue
        known = [p for p in invite.get("attendees") or [] if p["address"] in answers]
        if not known:  # a REPLY from someone who was not invited changes nothing
            continue
        invite["attendees"] = [
            {**p, "status": answers.get(p["address"], p["status"])} for p in invite.get("attendees") or []
        ]
        changed.append({"mid": row.id, "invite": invite, "status": answers[known[0]["address"]], "fid": row.folder_id})
    if not changed:
        return
    await session.execute(
        update(M)
        .where(M.c.id == bindparam("mid"))
        .values(invite=bindparam("invite"), event_invite_status=bindparam("status"), updated_at=utcnow())
        .execution_options(synchronize_session=False),
        [{k: c[k] for k in ("mid", "invite", "status")} for c in changed],
    )
    await record_changes(session, owner_id, [ChangeEntry(ChangeKind.UPDATED, c["mid"], c["fid"]) for c in changed])


def reply_calendar(invite: dict[str, Any], attendee: str, name: str | None, status: str, comment: str | None) -> bytes:
    """The REPLY's text/calendar body."""
    return reply(invite, attendee, name, status, comment)


def reply_subject(invite: dict[str, Any], status: str) -> str:
    return f"{_VERB[status]}: {invite.get('summary') or '(no title)'}"


def answered(invite: dict[str, Any], attendee: str, status: str) -> dict[str, Any]:
    """The invitation with ``attendee``'s answer in it."""
    people = invite.get("attendees") or []
    return {**invite, "attendees": [{**p, "status": status} if p["address"] == attendee else p for p in people]}
