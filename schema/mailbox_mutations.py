"""Mutations over the mailbox: bulk changes to messages, folders and labels."""

from __future__ import annotations

from typing import Optional

import strawberry

from db.models import ApiPermission
from db.units import run_write
from resolvers import bulk, folders, labels
from schema.context import Info
from schema.types.bulk import BulkResult
from schema.types.mailbox import Folder, Label


def _opt(value: object) -> str | None:
    """An optional ID argument: UNSET and null are both absent."""
    return str(value) if value else None


@strawberry.type
class MailboxMutation:
    @strawberry.mutation(description="Mark messages read or unread. folderId, when given, must hold every id. (UPDATE)")
    async def mark_as_read(
        self,
        info: Info,
        ids: list[strawberry.ID],
        was_read: bool = True,
        folder_id: Optional[strawberry.ID] = strawberry.UNSET,
    ) -> BulkResult:
        viewer = info.context.require(ApiPermission.UPDATE)
        outcome = await run_write(
            info.context.db, lambda session: bulk.mark_read(session, viewer, ids, was_read, _opt(folder_id))
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(description="Set or clear the Important flag. (UPDATE)")
    async def mark_as_important(
        self,
        info: Info,
        ids: list[strawberry.ID],
        important: bool = True,
        folder_id: Optional[strawberry.ID] = strawberry.UNSET,
    ) -> BulkResult:
        viewer = info.context.require(ApiPermission.UPDATE)
        outcome = await run_write(
            info.context.db, lambda session: bulk.mark_important(session, viewer, ids, important, _opt(folder_id))
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(
        description="Move messages to another folder. fromFolderId, when given, must hold every id. (UPDATE)"
    )
    async def move_messages(
        self,
        info: Info,
        ids: list[strawberry.ID],
        to_folder_id: strawberry.ID,
        from_folder_id: Optional[strawberry.ID] = strawberry.UNSET,
    ) -> BulkResult:
        viewer = info.context.require(ApiPermission.UPDATE)
        outcome = await run_write(
            info.context.db,
            lambda session: bulk.move_messages(session, viewer, ids, str(to_folder_id), _opt(from_folder_id)),
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(
        description="Delete messages: they move to Trash, or are destroyed when they are in Trash\n"
        "already or `permanent` is true. (DELETE)"
    )
    async def delete_messages(
        self,
        info: Info,
        ids: list[strawberry.ID],
        folder_id: Optional[strawberry.ID] = strawberry.UNSET,
        permanent: Optional[bool] = False,
    ) -> BulkResult:
        viewer = info.context.require(ApiPermission.DELETE)
        outcome = await run_write(
            info.context.db,
            lambda session: bulk.delete_messages(session, viewer, ids, _opt(folder_id), bool(permanent)),
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(description="Add and remove labels on messages. (UPDATE)")
    async def set_labels(
        self,
        info: Info,
        ids: list[strawberry.ID],
        add: Optional[list[strawberry.ID]] = (),  # type: ignore[assignment]
        remove: Optional[list[strawberry.ID]] = (),  # type: ignore[assignment]
    ) -> BulkResult:
        viewer = info.context.require(ApiPermission.UPDATE)
        outcome = await run_write(
            info.context.db, lambda session: bulk.set_labels(session, viewer, ids, list(add or ()), list(remove or ()))
        )
        return await BulkResult.of(info, outcome)

    @strawberry.mutation(description="A folder of the user's, under parentId when given. (CREATE)")
    async def create_folder(
        self, info: Info, name: str, parent_id: Optional[strawberry.ID] = strawberry.UNSET
    ) -> Folder:
        viewer = info.context.require(ApiPermission.CREATE)
        return Folder.from_record(
            await run_write(
                info.context.db, lambda session: folders.create_folder(session, viewer, name, _opt(parent_id))
            )
        )

    @strawberry.mutation(description="System folders cannot be renamed (FORBIDDEN). (UPDATE)")
    async def rename_folder(self, info: Info, id: strawberry.ID, name: str) -> Folder:
        viewer = info.context.require(ApiPermission.UPDATE)
        return Folder.from_record(
            await run_write(info.context.db, lambda session: folders.rename_folder(session, viewer, str(id), name))
        )

    @strawberry.mutation(description="Its messages move to Trash; system folders cannot be deleted. (DELETE)")
    async def delete_folder(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(ApiPermission.DELETE)
        return await run_write(info.context.db, lambda session: folders.delete_folder(session, viewer, str(id)))

    @strawberry.mutation(description="A label of the user's; CONFLICT when the name is taken. (CREATE)")
    async def create_label(self, info: Info, name: str, color: Optional[str] = strawberry.UNSET) -> Label:
        viewer = info.context.require(ApiPermission.CREATE)
        return Label.from_record(
            await run_write(info.context.db, lambda session: labels.create_label(session, viewer, name, color or None))
        )

    @strawberry.mutation(description="Removes the label from its messages. (DELETE)")
    async def delete_label(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(ApiPermission.DELETE)
        return await run_write(info.context.db, lambda session: labels.delete_label(session, viewer, str(id)))
