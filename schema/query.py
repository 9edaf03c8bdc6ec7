"""The root Query: the read path of the contract."""

from __future__ import annotations

from typing import Optional

import strawberry

from db.models import ApiPermission
from resolvers import auth, mailbox, threads
from resolvers.changelog import current_modseq, state_string
from resolvers.errors import not_found, parse_id
from resolvers.messages import get_message
from resolvers.threads import ThreadQuery, draft_thread, list_threads
from schema.context import Info
from schema.enums import Permission
from schema.inputs import (
    NEWEST_FIRST,
    RECENTLY_UPDATED,
    MailThreadFilter,
    MailThreadInput,
    MailThreadOrder,
    MessageFilter,
    MessageOrder,
)
from schema.listing import message_connection
from schema.types.files import Attachment
from schema.types.mailbox import Folder, Label
from schema.types.message import Message, MessageConnection, messages_of
from schema.types.thread import MailThread, MailThreadConnection
from schema.types.user import ApiToken, User

READ, CREATE = ApiPermission.READ, ApiPermission.CREATE


def api_token(rec: auth.ApiTokenRecord) -> ApiToken:
    return ApiToken(
        id=strawberry.ID(str(rec.id)),
        name=rec.name,
        permissions=[Permission(p.name) for p in ApiPermission if p in rec.permissions and p != ApiPermission.ALL],
        created_at=rec.created_at,
        expires_at=rec.expires_at,
        last_used_at=rec.last_used_at,
    )


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user; null when the request carries no valid token. (READ)")
    async def me(self, info: Info) -> User | None:
        if info.context.viewer is None:
            return None
        viewer = info.context.require(READ)
        rec = await info.context.loaders.user.load(viewer.user_id)
        return User.from_record(rec) if rec else None

    @strawberry.field(description="The user's folders, system folders first, then by sortOrder and name. (READ)")
    async def folders(self, info: Info) -> list[Folder]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            recs = await mailbox.list_folders(session, viewer)
        for rec in recs:  # children and parents of this list come from the loader's cache
            info.context.loaders.folder.prime(rec.id, rec)
        return [Folder.from_record(r) for r in recs]

    @strawberry.field
    async def folder(self, info: Info, id: strawberry.ID) -> Folder | None:
        info.context.require(READ)
        rec = await info.context.loaders.folder.load(parse_id(id, "Folder"))
        if rec is None:
            raise not_found("Folder", id)
        return Folder.from_record(rec)

    @strawberry.field(description="The user's labels. (READ)")
    async def labels(self, info: Info) -> list[Label]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return [Label.from_record(r) for r in await mailbox.list_labels(session, viewer)]

    @strawberry.field
    async def message(self, info: Info, id: strawberry.ID) -> Message | None:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            rec = await get_message(session, viewer, id)
        return (await messages_of(info, [rec]))[0]

    @strawberry.field(
        description=(
            "Messages of one folder, or of every folder but Trash and Junk when folderId\n"
            "is null. `first` is the page size (1..200). Page either with `after` (a\n"
            "cursor from a previous page; stable while mail arrives) or with `offset`,\n"
            "never both. (READ)"
        )
    )
    async def messages(
        self,
        info: Info,
        folder_id: Optional[strawberry.ID] = strawberry.UNSET,
        filter: Optional[MessageFilter] = None,
        order_by: Optional[MessageOrder] = NEWEST_FIRST,
        first: Optional[int] = 50,
        after: Optional[str] = None,
        offset: Optional[int] = None,
    ) -> MessageConnection:
        info.context.require(READ)
        folder = None
        if folder_id is not None and folder_id is not strawberry.UNSET:  # null or absent: every folder
            folder = await info.context.loaders.folder.load(parse_id(folder_id, "Folder"))
            if folder is None:
                raise not_found("Folder", folder_id)
        return await message_connection(info, folder, filter, order_by or NEWEST_FIRST, first, after, offset)

    @strawberry.field
    async def attachment(self, info: Info, id: strawberry.ID) -> Attachment | None:
        info.context.require(READ)
        rec = await info.context.loaders.attachment.load(parse_id(id, "Attachment"))
        if rec is None:
            raise not_found("Attachment", id)
        return Attachment.from_record(rec)

    @strawberry.field(description="The current state string of the user's mailbox. (READ)")
    async def mailbox_state(self, info: Info) -> str:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return state_string(await current_modseq(session, viewer.user_id))

    @strawberry.field
    async def mail_thread(self, info: Info, id: strawberry.ID) -> MailThread | None:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return MailThread.from_record(await threads.get_thread(session, viewer, str(id)))

    @strawberry.field(description="Mail threads the user follows or has messages in. (READ)")
    async def mail_threads(
        self,
        info: Info,
        filter: Optional[MailThreadFilter] = None,
        order_by: Optional[MailThreadOrder] = RECENTLY_UPDATED,
        first: Optional[int] = 20,
        after: Optional[str] = None,
        offset: Optional[int] = None,
    ) -> MailThreadConnection:
        viewer = info.context.require(READ)
        order = order_by or RECENTLY_UPDATED
        q = filter.to_query() if filter is not None else ThreadQuery()
        async with info.context.db.read() as session:
            page = await list_threads(
                session,
                viewer,
                q,
                order.to_ordering(),
                first=first,
                after=after,
                offset=offset,
                with_total=True,
            )
        return MailThreadConnection.of(page)

    @strawberry.field(description="Whether a mail thread with this id exists (any user's). (CREATE)")
    async def mail_thread_key_exists(self, info: Info, id: strawberry.ID) -> bool:
        info.context.require(CREATE)
        async with info.context.db.read() as session:
            return await threads.key_exists(session, str(id))

    @strawberry.field(description="An unsaved mail thread filled with defaults, for a creation form. (CREATE)")
    def mail_thread_draft(self, info: Info, input: Optional[MailThreadInput] = None) -> MailThread:
        viewer = info.context.require(CREATE)
        rec = draft_thread(viewer, str(input.id) if input and input.id else None, input.name if input else None)
        return MailThread.from_record(rec)

    @strawberry.field(description="The user's API tokens (never their secret). (READ)")
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        viewer = info.context.require(READ)
        async with info.context.db.read() as session:
            return [api_token(r) for r in await auth.list_api_tokens(session, viewer)]
