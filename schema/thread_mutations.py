"""Mail-thread mutations: Odoo's mail_thread over GraphQL (threads, followers, posts, tracking)."""

from __future__ import annotations

from typing import Optional

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.scalars import JSON

from db.models import ApiPermission
from resolvers import posting, thread_store, tracking
from resolvers.compose import own_message
from resolvers.errors import Conflict
from resolvers.records import MailThreadRecord
from resolvers.thread_store import ThreadInput
from resolvers.viewer import Viewer
from schema.context import Info
from schema.inputs import MailThreadInput, NotifyInput, PostMessageInput, TrackingChangeInput
from schema.types.common import TrackingValue
from schema.types.files import Attachment
from schema.types.message import Message, messages_of
from schema.types.thread import MailThread

CREATE, READ, UPDATE, DELETE = ApiPermission.CREATE, ApiPermission.READ, ApiPermission.UPDATE, ApiPermission.DELETE


def _ids(values: list[strawberry.ID] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def _input(data: MailThreadInput) -> ThreadInput:
    return ThreadInput(
        key=str(data.id) if data.id is not None else None,
        name=data.name,
        follower_ids=_ids(data.follower_ids),
        attachment_ids=_ids(data.attachment_ids),
    )


def _users(values: list[strawberry.ID] | None) -> list[str] | None:
    """userIds: absent or null is the caller (None); a list, even empty, is taken as given."""
    return None if values is None or values is strawberry.UNSET else [str(v) for v in values]


async def _message(info: Info, viewer: Viewer, message_id: int) -> Message:
    async with info.context.db.read() as session:
        rec = await own_message(session, viewer, message_id)
    return (await messages_of(info, [rec]))[0]


def _taken(exc: IntegrityError) -> Conflict:
    """Two requests took one key at once: the other one committed first."""
    return Conflict("a mail thread with this id exists already")


def _thread(rec: MailThreadRecord) -> MailThread:
    return MailThread.from_record(rec)


@strawberry.type
class ThreadMutation:
    @strawberry.mutation(description="The creator becomes a follower. A taken id is a CONFLICT. (CREATE)")
    async def create_mail_thread(self, info: Info, input: MailThreadInput) -> MailThread:
        viewer = info.context.require(CREATE)
        try:
            async with info.context.db.write() as session:
                rec = await thread_store.create_thread(session, viewer, _input(input))
        except IntegrityError as exc:
            raise _taken(exc) from exc
        return _thread(rec)

    @strawberry.mutation(
        description="Changes to tracked fields are posted to the thread as a tracking message. (UPDATE)"
    )
    async def update_mail_thread(self, info: Info, id: strawberry.ID, input: MailThreadInput) -> MailThread:
        viewer = info.context.require(UPDATE)
        domain = info.context.services.mail_domain
        async with info.context.db.write() as session:
            rec = await thread_store.update_thread(session, viewer, str(id), _input(input), domain=domain)
        return _thread(rec)

    @strawberry.mutation(
        description=(
            "Create the thread when input.id is new or absent, else update it. (CREATE)"
            " An id that exists but is not the caller's business is a CONFLICT."
        )
    )
    async def save_mail_thread(self, info: Info, input: MailThreadInput) -> MailThread:
        viewer = info.context.require(CREATE)
        domain = info.context.services.mail_domain
        try:
            async with info.context.db.write() as session:
                rec = await thread_store.save_thread(session, viewer, _input(input), domain=domain)
        except IntegrityError as exc:
            raise _taken(exc) from exc
        return _thread(rec)

    @strawberry.mutation(
        description=("Delete a mail thread: its followers go; its messages stay, without a thread. (DELETE)")
    )
    async def delete_mail_thread(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(DELETE)
        async with info.context.db.write() as session:
            return await thread_store.delete_thread(session, viewer, str(id))

    @strawberry.mutation(description="Add followers; userIds defaults to the caller. (UPDATE)")
    async def follow_mail_thread(
        self, info: Info, id: strawberry.ID, user_ids: Optional[list[strawberry.ID]] = strawberry.UNSET
    ) -> MailThread:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            rec = await thread_store.follow(session, viewer, str(id), _users(user_ids))
        return _thread(rec)

    @strawberry.mutation(description="Remove followers; userIds defaults to the caller. (UPDATE)")
    async def unfollow_mail_thread(
        self, info: Info, id: strawberry.ID, user_ids: Optional[list[strawberry.ID]] = strawberry.UNSET
    ) -> MailThread:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            rec = await thread_store.unfollow(session, viewer, str(id), _users(user_ids))
        return _thread(rec)

    @strawberry.mutation(
        description=(
            "Post a message on a thread. Every follower but the author gets it in their Inbox, unread "
            "(it counts in their messageNeedactionCounter); the author's copy is returned. (CREATE)"
        )
    )
    async def post_message(self, info: Info, thread_id: strawberry.ID, input: PostMessageInput) -> Message:
        viewer = info.context.require(CREATE)
        async with info.context.db.write() as session:
            message_id = await posting.post_message(
                session,
                viewer,
                str(thread_id),
                subject=input.subject,
                body=input.body,
                html_body=input.html_body,
                attachment_ids=_ids(input.attachment_ids),
                partner_ids=_ids(input.partner_ids),
                domain=info.context.services.mail_domain,
            )
        return await _message(info, viewer, message_id)

    @strawberry.mutation(
        description="Notify the given users directly, followers or not; the author's copy is returned. (CREATE)"
    )
    async def notify(self, info: Info, thread_id: strawberry.ID, input: NotifyInput) -> Message:
        viewer = info.context.require(CREATE)
        async with info.context.db.write() as session:
            message_id = await posting.notify(
                session,
                viewer,
                str(thread_id),
                subject=input.subject,
                body=input.body,
                recipient_ids=[str(v) for v in input.recipient_ids],
                domain=info.context.services.mail_domain,
            )
        return await _message(info, viewer, message_id)

    @strawberry.mutation(
        description="Hand staged attachments over to the thread; returns the thread's attachments. (UPDATE)"
    )
    async def process_attachments_for_post(
        self, info: Info, thread_id: strawberry.ID, attachment_ids: list[strawberry.ID]
    ) -> list[Attachment]:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            key = await posting.process_attachments_for_post(
                session, viewer, str(thread_id), _ids(attachment_ids) or []
            )
        return [Attachment.from_record(r) for r in await info.context.loaders.attachments_by_thread.load(key)]

    @strawberry.mutation(description="Remember the current values of the thread's tracked fields. (UPDATE)")
    async def track_prepare(self, info: Info, thread_id: strawberry.ID) -> bool:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            return await tracking.prepare(session, viewer, str(thread_id))

    @strawberry.mutation(
        description=(
            "Compare the tracked fields with the values trackPrepare remembered and post a tracking "
            "message when any changed; null when nothing changed. (UPDATE)"
        )
    )
    async def track_finalize(self, info: Info, thread_id: strawberry.ID) -> Message | None:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            message_id = await tracking.finalize(
                session, viewer, str(thread_id), domain=info.context.services.mail_domain
            )
        return None if message_id is None else await _message(info, viewer, message_id)

    @strawberry.mutation(
        description=(
            "Forget what trackPrepare remembered, posting nothing. (UPDATE) True when there was something to forget."
        )
    )
    async def track_discard(self, info: Info, thread_id: strawberry.ID) -> bool:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            return await tracking.discard(session, viewer, str(thread_id))

    @strawberry.mutation(description="Post a tracking message with the given changes. (UPDATE)")
    async def message_track(self, info: Info, thread_id: strawberry.ID, changes: list[TrackingChangeInput]) -> Message:
        viewer = info.context.require(UPDATE)
        async with info.context.db.write() as session:
            message_id = await tracking.message_track(
                session,
                viewer,
                str(thread_id),
                [(c.field, c.old_value, c.new_value) for c in changes],
                domain=info.context.services.mail_domain,
            )
        return await _message(info, viewer, message_id)

    @strawberry.mutation(
        description=("The tracking values that the current fields make against initialValues; posts nothing. (READ)")
    )
    async def mail_track(
        self, info: Info, thread_id: strawberry.ID, tracked_fields: list[str], initial_values: JSON
    ) -> list[TrackingValue]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            changes = await tracking.mail_track(session, viewer, str(thread_id), tracked_fields, initial_values)
        return [TrackingValue(field=c["field"], old_value=c["old_value"], new_value=c["new_value"]) for c in changes]
