"""Mail threads in and out of files: export, import template, import (now or in the
background), printout, report, and the progress of a background import.

Generated files are served from /files/{kind}/{name} by signed links that name the
viewer and what to generate (``resolvers.generated_files.sign_file``); the bytes are
made when the link is fetched, except error reports, which are stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any, Optional

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from db.models import ApiPermission
from resolvers import import_jobs
from resolvers.generated_files import UPLOAD, sign_file, store_file
from resolvers.import_jobs import ImportJobRecord, job_topic
from resolvers.links import LinkSigner
from resolvers.printing import REPORT, print_link
from resolvers.thread_sheets import (
    SHEET_EXTENSIONS,
    SHEET_MIME_TYPES,
    ThreadImport,
    check_mapping,
    column_fields,
    data_rows,
    header_row,
    open_sheet,
)
from resolvers.threads import get_thread
from resolvers.viewer import Viewer
from schema.context import Info
from schema.enums import JobStatus, PrintFormat, ReportFormat, SheetFormat
from schema.inputs import MailThreadFilter
from schema.types.common import FileLink, ImportErrorEntry, ImportResult
from schema.types.thread import ImportJob
from schema.uploads import close_upload, read_upload

READ, CREATE = ApiPermission.READ, ApiPermission.CREATE
EXPORT, TEMPLATE, GENERATED = "export", "template", "generated"
#: importJobProgress re-reads the job at least this often (seconds): without a bus, and after a lost notification.
POLL_SECONDS = 0.2
#: importJobProgress ends after this long whatever the job does (seconds).
MAX_FOLLOW_SECONDS = 6 * 3600
PDF_MIME, HTML_MIME = "application/pdf", "text/html; charset=utf-8"
REPORT_MIME = {"PDF": PDF_MIME, "XLSX": SHEET_MIME_TYPES["XLSX"]}


def thread_query(filter: MailThreadFilter | None) -> dict[str, Any]:
    """The filter as link parameters."""
    return filter.to_query().as_params() if filter is not None else {}


def file_link(links: LinkSigner, kind: str, name: str, viewer: Viewer, mime: str, **params: Any) -> FileLink:
    return FileLink.of(sign_file(links, kind, name, viewer.user_id, params), name, mime)


def import_result(links: LinkSigner, owner_id: int, data: dict[str, Any]) -> ImportResult:
    """ImportResult from its JSON form (``ImportOutcome.as_json``); the error report gets a fresh link."""
    report = data.get("errorReport")
    link = None
    if report:
        signed = sign_file(links, GENERATED, report["id"], owner_id)
        link = FileLink.of(signed, report["fileName"], report["mimeType"])
    return ImportResult(
        created=int(data.get("created", 0)),
        updated=int(data.get("updated", 0)),
        failed=int(data.get("failed", 0)),
        errors=[ImportErrorEntry(row=e["row"], column=e.get("column"), message=e["message"]) for e in data["errors"]],
        error_report=link,
    )


def import_job(links: LinkSigner, job: ImportJobRecord) -> ImportJob:
    return ImportJob(
        id=strawberry.ID(str(job.id)),
        status=JobStatus(job.status),
        total=job.total,
        processed=job.processed,
        result=import_result(links, job.owner_id, job.result) if job.result else None,
        error=job.error,
    )


@strawberry.type
class ThreadFilesQuery:
    @strawberry.field(description="An XLSX or CSV file with one row per mail thread that matches. (READ)")
    def export_mail_threads(
        self, info: Info, filter: Optional[MailThreadFilter] = None, format: Optional[SheetFormat] = SheetFormat.XLSX
    ) -> FileLink:
        viewer = info.context.require(READ)
        fmt = (format or SheetFormat.XLSX).value
        name = f"mail-threads.{SHEET_EXTENSIONS[fmt]}"
        return file_link(info.context.links, EXPORT, name, viewer, SHEET_MIME_TYPES[fmt], f=fmt, q=thread_query(filter))

    @strawberry.field(description="An empty XLSX or CSV file with the columns importMailThreads reads. (READ)")
    def mail_thread_import_template(self, info: Info, format: Optional[SheetFormat] = SheetFormat.XLSX) -> FileLink:
        viewer = info.context.require(READ)
        fmt = (format or SheetFormat.XLSX).value
        name = f"mail-thread-import.{SHEET_EXTENSIONS[fmt]}"
        return file_link(info.context.links, TEMPLATE, name, viewer, SHEET_MIME_TYPES[fmt], f=fmt)

    @strawberry.field(description="One mail thread with its messages, rendered for printing. (READ)")
    async def print_mail_thread(
        self, info: Info, id: strawberry.ID, format: Optional[PrintFormat] = PrintFormat.PDF
    ) -> FileLink:
        viewer = info.context.require(READ)
        fmt = (format or PrintFormat.PDF).value
        async with info.context.db.read() as session:
            thread = await get_thread(session, viewer, str(id))
        link = print_link(info.context.links, viewer.user_id, thread.id, fmt)
        title = "".join(c for c in thread.name if c.isalnum() or c in " -_.")[:60].strip() or "mail-thread"
        return FileLink.of(link, f"{title}.{fmt.lower()}", PDF_MIME if fmt == "PDF" else HTML_MIME)

    @strawberry.field(description="A report over the mail threads that match: one line each with its counters. (READ)")
    def mail_thread_report(
        self, info: Info, filter: Optional[MailThreadFilter] = None, format: Optional[ReportFormat] = ReportFormat.PDF
    ) -> FileLink:
        viewer = info.context.require(READ)
        fmt = (format or ReportFormat.PDF).value
        name = f"mail-thread-report.{fmt.lower()}"
        return file_link(info.context.links, REPORT, name, viewer, REPORT_MIME[fmt], f=fmt, q=thread_query(filter))

    @strawberry.field(description="A background import of the caller's; null when there is none with this id. (READ)")
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob | None:
        viewer = info.context.require(READ)
        return import_job(info.context.links, await import_jobs.get_job(info.context.db, viewer, str(id)))


@strawberry.type
class ThreadFilesMutation:
    @strawberry.mutation(
        description="Import mail threads from XLSX or CSV (the template's columns). Rows that fail\n"
        "are listed with their reasons and in errorReport; the other rows are saved. (CREATE)"
    )
    async def import_mail_threads(self, info: Info, file: Upload) -> ImportResult:
        try:
            viewer = info.context.require(CREATE)
            data = await read_upload(info.context, file)
        finally:
            await close_upload(file)
        fmt, rows = open_sheet(data)
        job = ThreadImport(info.context.db, viewer, header_row(rows), fmt)
        await job.run(data_rows(rows), domain=info.context.services.mail_domain)
        outcome = await job.finish(max(info.context.links.ttl, 3600))
        return import_result(info.context.links, viewer.user_id, outcome.as_json())

    @strawberry.mutation(
        description="The same in the background, with the sheet's own headers mapped to fields by\n"
        'columnMapping ({"Header": "field"}). Follow it with importJob or the\n'
        "importJobProgress subscription. (CREATE)"
    )
    async def start_mail_thread_import(
        self, info: Info, file: Upload, column_mapping: Optional[JSON] = None
    ) -> ImportJob:
        try:
            viewer = info.context.require(CREATE)
            mapping = check_mapping(column_mapping)
            data = await read_upload(info.context, file)
        finally:
            await close_upload(file)
        column_fields(header_row(open_sheet(data)[1]), mapping)  # a sheet that cannot work fails now
        db = info.context.db
        async with db.write() as session:
            upload = await store_file(
                session, viewer.user_id, UPLOAD, "import", "application/octet-stream", data, import_jobs.REPORT_TTL
            )
            job = await import_jobs.create_job(session, viewer)
        bus = info.context.state.get("events")
        import_jobs.start_job(
            db,
            viewer,
            job,
            upload.id,
            mapping=mapping,
            domain=info.context.services.mail_domain,
            publish=getattr(bus, "publish", None),
        )
        return import_job(info.context.links, job)


async def follow_import_job(info: Info, id: strawberry.ID) -> AsyncGenerator[ImportJob, None]:
    """importJobProgress: the job now, then after each change, until SUCCEEDED or FAILED."""
    context = info.context
    viewer = context.require(READ)
    job = await import_jobs.get_job(context.db, viewer, str(id))
    bus = context.state.get("events")
    inbox = bus.subscribe(job_topic(job.id)) if bus is not None else None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAX_FOLLOW_SECONDS
    try:
        yield import_job(context.links, job)
        while not job.ended and loop.time() < deadline:
            if inbox is not None:
                await inbox.wait(POLL_SECONDS)
            else:
                await asyncio.sleep(POLL_SECONDS)
            latest = await import_jobs.get_job(context.db, viewer, str(id))
            if (latest.status, latest.processed, latest.total) != (job.status, job.processed, job.total):
                job = latest
                yield import_job(context.links, job)
    finally:
        if inbox is not None and bus is not None:
            bus.unsubscribe(inbox)


@strawberry.type
class ThreadFilesSubscription:
    @strawberry.subscription(description="Progress of a background import until it ends. (READ)")
    async def import_job_progress(self, info: Info, id: strawberry.ID) -> AsyncGenerator[ImportJob, None]:
        async for job in follow_import_job(info, id):
            yield job
