"""Generated files behind signed links: exports, import templates, reports, printouts, error reports.

``/files/{kind}/{name}?exp=..&sig=..&v=<viewer>&p=<parameters>`` (see
``resolvers.generated_files.sign_file``): the link names whose data it shows, so it
needs no Authorization header. Exports, templates, reports and printouts are made
when fetched; an export reads the threads in keyset batches and never holds them
all: CSV goes out as it is written, XLSX is written to a spooled temporary file by a
write-only workbook and then streamed. Error reports are stored rows.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from app.files import content_disposition
from db.models import ApiPermission
from resolvers.errors import NotFound
from resolvers.formats.pdf import HTML_MIME, PDF_MIME, table_pdf, thread_html, thread_pdf
from resolvers.formats.sheets import CSV, MIME_TYPES, XLSX, SheetWriter, file_chunks
from resolvers.generated_files import ERROR_REPORT, LinkTarget, read_file, verify_file
from resolvers.links import LinkError
from resolvers.printing import PRINT, REPORT, REPORT_HEADERS, report_lines, thread_printout
from resolvers.services import Services
from resolvers.thread_export import export_rows
from resolvers.thread_sheets import COLUMNS
from resolvers.threads import ThreadQuery
from resolvers.viewer import Viewer

EXPORT, TEMPLATE, GENERATED = "export", "template", "generated"
#: A PDF report lists at most this many threads (XLSX lists them all).
MAX_PDF_REPORT_LINES = 10_000

_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, no-store",
}
#: A printout page may use its own inline style; nothing else runs or loads.
_HTML_HEADERS = {**_HEADERS, "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _verify(request: Request, kind: str) -> LinkTarget:
    return verify_file(_services(request).links, kind, request.path_params["name"], request.query_params)


def _viewer(target: LinkTarget) -> Viewer:
    return Viewer(user_id=target.viewer_id, permissions=ApiPermission.READ)


def _query(target: LinkTarget) -> ThreadQuery:
    return ThreadQuery.from_params(target.params.get("q"))


def _format(target: LinkTarget, allowed: tuple[str, ...]) -> str:
    fmt = str(target.params.get("f") or allowed[0]).upper()
    if fmt not in allowed:
        raise LinkError("this link is not valid", 403)
    return fmt


def _refuse(error: LinkError) -> Response:
    return JSONResponse({"error": str(error)}, status_code=error.status)


def _gone(what: str) -> Response:
    return JSONResponse({"error": f"this {what} no longer exists"}, status_code=404)


def _file_headers(name: str, mime: str, disposition: str = "attachment") -> dict[str, str]:
    headers = _HTML_HEADERS if mime.startswith("text/html") else _HEADERS
    return {"content-type": mime, "content-disposition": content_disposition(name, disposition), **headers}


async def _stream_file(file: IO[bytes]) -> AsyncIterator[bytes]:
    chunks: Iterator[bytes] = file_chunks(file)
    try:
        while True:
            chunk = await asyncio.to_thread(next, chunks, b"")
            if not chunk:
                return
            yield chunk
    finally:
        with contextlib.suppress(Exception):
            file.close()


async def _sheet_response(name: str, fmt: str, header: tuple[str, ...], batches: AsyncIterator[list[Any]]) -> Response:
    """A sheet of ``header`` then every row of ``batches``: CSV streamed as written, XLSX once saved."""
    writer = SheetWriter(fmt, "Mail threads")
    writer.header(header)
    headers = _file_headers(name, MIME_TYPES[fmt])
    if fmt == CSV:

        async def produce() -> AsyncIterator[bytes]:
            yield writer.take()
            async for batch in batches:
                for row in batch:
                    writer.append(row)
                yield writer.take()

        return StreamingResponse(produce(), headers=headers)
    async for batch in batches:
        for row in batch:
            writer.append(row)
    file = await asyncio.to_thread(writer.finish)
    return StreamingResponse(_stream_file(file), headers=headers)


async def serve_export(request: Request) -> Response:
    try:
        target = _verify(request, EXPORT)
        fmt = _format(target, (XLSX, CSV))
    except LinkError as error:
        return _refuse(error)
    db = _services(request).db
    return await _sheet_response(target.name, fmt, COLUMNS, export_rows(db, _viewer(target), _query(target)))


async def serve_template(request: Request) -> Response:
    try:
        target = _verify(request, TEMPLATE)
        fmt = _format(target, (XLSX, CSV))
    except LinkError as error:
        return _refuse(error)
    writer = SheetWriter(fmt, "Mail threads")
    writer.header(COLUMNS)
    return Response(writer.to_bytes(), headers=_file_headers(target.name, MIME_TYPES[fmt]))


async def serve_report(request: Request) -> Response:
    try:
        target = _verify(request, REPORT)
        fmt = _format(target, ("PDF", XLSX))
    except LinkError as error:
        return _refuse(error)
    db, viewer, query = _services(request).db, _viewer(target), _query(target)
    if fmt == XLSX:
        return await _sheet_response(target.name, fmt, REPORT_HEADERS, report_lines(db, viewer, query))
    lines: list[tuple[object, ...]] = []
    left_out = 0
    async for batch in report_lines(db, viewer, query):
        room = MAX_PDF_REPORT_LINES - len(lines)
        lines.extend(batch[:room])
        left_out += max(len(batch) - room, 0)
    count = len(lines) + left_out
    note = f"{count} mail thread{'' if count == 1 else 's'}"
    if left_out:
        note += f"; the first {len(lines)} are listed (the XLSX report lists them all)"
    data = await asyncio.to_thread(
        table_pdf, "Mail threads", REPORT_HEADERS, (6, 4, 1.6, 1.6, 2, 2.4, 1.8), lines, note
    )
    return Response(data, headers=_file_headers(target.name, PDF_MIME, "inline"))


async def serve_print(request: Request) -> Response:
    try:
        target = _verify(request, PRINT)
        fmt = _format(target, ("PDF", "HTML"))
    except LinkError as error:
        return _refuse(error)
    try:
        async with _services(request).db.read() as session:
            printout = await thread_printout(session, _viewer(target), target.name)
    except NotFound:
        return _gone("mail thread")
    title = printout.thread.name or "mail thread"
    if fmt == "HTML":
        data = thread_html(title, printout.details(), printout.messages)
        return Response(data, headers=_file_headers(f"{title}.html", HTML_MIME, "inline"))
    data = await asyncio.to_thread(thread_pdf, title, printout.details(), printout.messages)
    return Response(data, headers=_file_headers(f"{title}.pdf", PDF_MIME, "inline"))


async def serve_generated(request: Request) -> Response:
    try:
        target = _verify(request, GENERATED)
    except LinkError as error:
        return _refuse(error)
    async with _services(request).db.read() as session:
        found = await read_file(session, target.name, ERROR_REPORT)
    if found is None or found[0].owner_id != target.viewer_id:
        return _gone("file")
    stored, data = found
    return Response(data, headers=_file_headers(stored.file_name, stored.mime_type))


def file_routes() -> list[Route]:
    """The routes of generated files, for the app's route list."""
    return [
        Route("/files/export/{name:path}", serve_export),
        Route("/files/template/{name:path}", serve_template),
        Route("/files/report/{name:path}", serve_report),
        Route("/files/print/{name:path}", serve_print),
        Route("/files/generated/{name:path}", serve_generated),
    ]
