"""Mutations that import mail: importMessages (an .eml or an mbox)."""

from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.file_uploads import Upload

from db.models import ApiPermission
from resolvers.errors import BadUserInput, PayloadTooLarge
from resolvers.mail_import import import_messages
from schema.context import Info
from schema.types.common import ImportErrorEntry, ImportResult
from schema.uploads import close_upload


def _file_of(upload: Any) -> Any:
    """The binary file behind an upload (Starlette's UploadFile spools it to disk)."""
    source = getattr(upload, "file", None)
    if source is None or not hasattr(source, "read"):
        raise BadUserInput("file must be a file part of a multipart request", argument="file")
    return source


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import RFC 5322 mail: one .eml file or an mbox. Lands in folderId or the Inbox. (CREATE)"
    )
    async def import_messages(
        self, info: Info, file: Upload, folder_id: Optional[strawberry.ID] = strawberry.UNSET
    ) -> ImportResult:
        try:
            viewer = info.context.require(ApiPermission.CREATE)
            services = info.context.services
            size = getattr(file, "size", None)
            if isinstance(size, int) and size > services.max_upload_bytes:
                raise PayloadTooLarge(f"the file is larger than {services.max_upload_bytes} bytes")
            source = _file_of(file)
            source.seek(0)
            outcome = await import_messages(
                info.context.db, viewer, source, str(folder_id) if folder_id else None, services.mail_domain
            )
        finally:
            # Whatever happened, the spooled temporary file is not needed past this request.
            await close_upload(file)
        return ImportResult(
            created=outcome.created,
            skipped=outcome.skipped,
            updated=0,
            failed=outcome.failed,
            errors=[ImportErrorEntry(row=number, column=None, message=message) for number, message in outcome.errors],
            error_report=None,
        )
