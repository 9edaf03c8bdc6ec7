"""Mutations that write mail: sendMessage, saveDraft, uploadAttachment."""

from __future__ import annotations

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.file_uploads import Upload

from db.models import ApiPermission
from resolvers import drafts, outbox, sending, uploads
from resolvers.compose import own_message
from schema.context import Info
from schema.inputs import DraftInput, SendMessageInput
from schema.types.files import Attachment
from schema.types.message import Message, messages_of
from schema.uploads import close_upload, read_upload


async def _message(info: Info, message_id: int) -> Message:
    viewer = info.context.require(ApiPermission.CREATE)
    async with info.context.db.read() as session:
        rec = await own_message(session, viewer, message_id)
    return (await messages_of(info, [rec]))[0]


@strawberry.type
class SendMutation:
    @strawberry.mutation(
        description=(
            "Send a message. Internal recipients get it in their Inbox at once; others are relayed over SMTP. "
            "The sender's copy lands in Sent and is returned. A draft named by draftId is sent and removed "
            "from Drafts. (CREATE)"
        )
    )
    async def send_message(self, info: Info, input: SendMessageInput) -> Message:
        viewer = info.context.require(ApiPermission.CREATE)
        services = info.context.services
        compose = input.to_compose()
        try:
            async with info.context.db.write() as session:
                message_id = await sending.send_message(session, services, viewer, compose)
        except IntegrityError:
            # Two requests with one idempotency key at once: the other one committed first.
            if compose.idempotency_key is None:
                raise
            async with info.context.db.read() as session:
                first = await sending.earlier_send(session, viewer, compose.idempotency_key)
            if first is None:
                raise
            message_id = first
        outbox.nudge()
        return await _message(info, message_id)

    @strawberry.mutation(description="Create a draft, or update the draft named by input.id. (CREATE)")
    async def save_draft(self, info: Info, input: DraftInput) -> Message:
        viewer = info.context.require(ApiPermission.CREATE)
        compose = input.to_compose()
        async with info.context.db.write() as session:
            message_id = await drafts.save_draft(session, info.context.services, viewer, compose)
        return await _message(info, message_id)

    @strawberry.mutation(
        description="Store a file so that sendMessage, saveDraft or a mail thread can use it. (CREATE)"
    )
    async def upload_attachment(self, info: Info, file: Upload) -> Attachment:
        limit = info.context.services.max_upload_bytes
        try:
            viewer = info.context.require(ApiPermission.CREATE)
            declared = getattr(file, "size", None)
            if isinstance(declared, int) and declared > limit:
                raise uploads.too_large(limit)
            data = await read_upload(info.context, file)
        finally:
            await close_upload(file)
        async with info.context.db.write() as session:
            rec = await uploads.stage_upload(
                session,
                viewer,
                getattr(file, "filename", None),
                getattr(file, "content_type", None),
                data,
                limit,
            )
        return Attachment.from_record(rec)
