"""respondToInvite: an attendee answers an invitation in their mailbox.

The REPLY goes out as a message of the attendee's through ``send_message``
(so it reaches an internal organizer's Inbox at once, or the relay's outbox for
an outside one, and is in the attendee's Sent), answering the invitation (its
conversation, its replied flag). The answer is recorded on the invitation in
the same unit of work.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChangeKind, Message, table_of
from db.types import utcnow
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.compose import Compose, own_message, sender_of
from resolvers.errors import BadUserInput
from resolvers.invitations import ANSWERS, answered, reply_calendar, reply_subject
from resolvers.sending import send_message
from resolvers.services import Services
from resolvers.uploads import stage_upload
from resolvers.viewer import Viewer

M = table_of(Message)
MAX_COMMENT = 2000


async def respond_to_invite(
    session: AsyncSession,
    services: Services,
    viewer: Viewer,
    message_id: str,
    status: str,
    comment: str | None = None,
) -> int:
    """Answer the invitation in ``message_id``; returns the id of the REPLY in the viewer's Sent."""
    if status not in ANSWERS:
        raise BadUserInput("answer ACCEPTED, TENTATIVE or DECLINED", argument="status")
    if comment is not None and len(comment) > MAX_COMMENT:
        raise BadUserInput(f"a comment has at most {MAX_COMMENT} characters", argument="comment")
    invitation = await own_message(session, viewer, message_id)
    invite = invitation.invite
    organizer = (invite or {}).get("organizer") or {}
    if invite is None or invite.get("method") != "REQUEST" or not organizer.get("address"):
        raise BadUserInput("this message carries no invitation to answer", argument="messageId")
    me = await sender_of(session, viewer)
    attendee = me.email.lower()
    calendar = reply_calendar(invite, attendee, me.name, status, comment)
    staged = await stage_upload(session, viewer, "reply.ics", "text/calendar", calendar, len(calendar))
    who = f"{organizer['name']} <{organizer['address']}>" if organizer.get("name") else organizer["address"]
    sent_id = await send_message(
        session,
        services,
        viewer,
        Compose(
            to=[who],
            subject=reply_subject(invite, status),
            body=comment or reply_subject(invite, status),
            attachment_ids=[str(staged.id)],
            in_reply_to_id=str(invitation.id),
        ),
    )
    await session.execute(
        update(M)
        .where(M.c.id == invitation.id)
        .values(event_invite_status=status, invite=answered(invite, attendee, status), updated_at=utcnow())
    )
    await record_changes(
        session, viewer.user_id, [ChangeEntry(ChangeKind.UPDATED, invitation.id, invitation.folder_id)]
    )
    return sent_id
