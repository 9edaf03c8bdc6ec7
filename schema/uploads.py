"""Uploaded files (multipart file parts) as the mutations read them."""

from __future__ import annotations

import inspect

from strawberry.file_uploads import Upload

from resolvers.errors import BadUserInput
from resolvers.uploads import read_limited
from schema.context import Context


async def read_upload(context: Context, file: Upload) -> bytes:
    """The uploaded bytes, at most the upload limit (PAYLOAD_TOO_LARGE past it)."""
    read = getattr(file, "read", None)
    if read is None:
        raise BadUserInput("file must be a file part of a multipart request", argument="file")

    async def chunk(size: int) -> bytes:
        data = read(size)
        return await data if inspect.isawaitable(data) else data

    return await read_limited(chunk, context.services.max_upload_bytes)


async def close_upload(file: Upload) -> None:
    """Close the spooled file of an upload: whatever happened, it is not needed past the request."""
    close = getattr(file, "close", None)
    if close is not None:
        result = close()
        if inspect.isawaitable(result):
            await result
