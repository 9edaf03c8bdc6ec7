"""Signed file links: attachment bytes and messages as .eml, no Authorization header needed."""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from db.models import Attachment, Message, table_of
from resolvers.blobs import read_blob
from resolvers.envelopes import message_source
from resolvers.links import LinkError
from resolvers.services import Services


def content_disposition(file_name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback name, and the real one as RFC 5987 ``filename*``."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in file_name) or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


#: What a file response carries besides its type: never sniffed, never run as a page.
_SAFE_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, max-age=300",
}
_MIME = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


def safe_media_type(value: str | None) -> str:
    """The stored type when it is a plain ``type/subtype``; else application/octet-stream."""
    value = (value or "").strip()
    return value if _MIME.fullmatch(value) else "application/octet-stream"


def _refuse(error: LinkError) -> Response:
    return JSONResponse({"error": str(error)}, status_code=error.status)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def download_attachment(request: Request) -> Response:
    services = _services(request)
    ident = request.path_params["ident"]
    try:
        services.links.verify("attachment", ident, request.query_params.get("exp"), request.query_params.get("sig"))
    except LinkError as error:
        return _refuse(error)
    table = table_of(Attachment)
    async with services.db.read() as session:
        row = (await session.execute(select(table).where(table.c.id == int(ident)))).mappings().first()
        data = await read_blob(session, row["blob_sha256"]) if row else None
    if row is None or data is None:
        return JSONResponse({"error": "this file no longer exists"}, status_code=404)
    return Response(
        data,
        # As stored: Starlette would add "charset=utf-8" to a text/* media_type, a guess.
        headers={
            "content-type": safe_media_type(row["mime_type"]),
            "content-disposition": content_disposition(row["file_name"]),
            **_SAFE_HEADERS,
        },
    )


async def download_message(request: Request) -> Response:
    services = _services(request)
    ident = request.path_params["ident"]
    try:
        services.links.verify("message", ident, request.query_params.get("exp"), request.query_params.get("sig"))
    except LinkError as error:
        return _refuse(error)
    table = table_of(Message)
    async with services.db.read() as session:
        row = (await session.execute(select(table.c.id, table.c.subject).where(table.c.id == int(ident)))).first()
        data = await message_source(session, int(ident)) if row else None
    if row is None or data is None:
        return JSONResponse({"error": "this message no longer exists"}, status_code=404)
    name = (row.subject or "message").strip()[:80] or "message"
    return Response(
        data,
        media_type="message/rfc822",
        headers={"content-disposition": content_disposition(f"{name}.eml"), **_SAFE_HEADERS},
    )
