"""The mail_thread API's files: import template, export, import (now, with an error sheet, in
the background), printout and report.

A file is answered by a redirect to its signed link under /files (302 for GET, 303 for
POST), which makes the bytes when fetched, exactly as the GraphQL FileLink does; an
import answers its result as JSON.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.file_store import EXPORT, GENERATED, TEMPLATE
from app.rest.common import as_int, as_object, json_body, json_response, services_of, viewer_of
from app.rest.mail_thread import op, thread_filter
from app.rest.operation import path_param, query_param
from db.models import ApiPermission
from resolvers import import_jobs
from resolvers.blobs import read_blob
from resolvers.compose import attachments_for
from resolvers.errors import BadUserInput, not_found
from resolvers.generated_files import sign_file
from resolvers.import_jobs import ImportJobRecord
from resolvers.printing import REPORT, print_link
from resolvers.thread_sheets import SHEET_EXTENSIONS, check_mapping, import_sheet
from resolvers.threads import ThreadQuery, get_thread
from resolvers.uploads import read_limited

CREATE, READ = ApiPermission.CREATE, ApiPermission.READ
#: The collection methods an export may name (the document's {param}).
EXPORT_SETS = {"fetch_default", "fetchdefault", "default"}
STR = {"type": "string"}


def _redirect(request: Request, url: str) -> Response:
    return RedirectResponse(url, status_code=302 if request.method == "GET" else 303)


def _format(value: str | None, allowed: tuple[str, ...]) -> str:
    """A format named by a tag or content type ("csv", "application/pdf", "html", "excel"...)."""
    text = (value or "").lower()
    for fmt in allowed:
        if fmt.lower() in text or (fmt == "XLSX" and ("excel" in text or "sheet" in text)):
            return fmt
    return allowed[0]


async def import_template(request: Request) -> Response:
    """An empty sheet with the columns an import reads (srfimporttag "csv" for CSV)."""
    viewer = await viewer_of(request, READ)
    fmt = _format(request.query_params.get("srfimporttag"), ("XLSX", "CSV"))
    name = f"mail-thread-import.{SHEET_EXTENSIONS[fmt]}"
    return _redirect(request, sign_file(services_of(request).links, TEMPLATE, name, viewer.user_id, {"f": fmt}).url)


async def export_data(request: Request) -> Response:
    """A sheet of the threads that match the body's n_id_eq / n_name_like (or the one {key})."""
    viewer = await viewer_of(request, READ)
    if request.path_params["param"].lower() not in EXPORT_SETS:
        raise not_found("export", request.path_params["param"])
    given = as_object(await json_body(request, empty={}), "body")
    q = thread_filter(given)
    if "key" in request.path_params:
        q = ThreadQuery(id_eq=request.path_params["key"], name_like=q.name_like)
    fmt = _format(request.query_params.get("srfexporttag"), ("XLSX", "CSV"))
    name = f"mail-threads.{SHEET_EXTENSIONS[fmt]}"
    links = services_of(request).links
    return _redirect(request, sign_file(links, EXPORT, name, viewer.user_id, {"f": fmt, "q": q.as_params()}).url)


async def _upload(request: Request) -> bytes:
    """The ``file`` part of a multipart body, at most the upload limit."""
    form = await request.form(max_files=1)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise BadUserInput("send the sheet as the multipart part `file`", argument="file")
    try:
        return await read_limited(file.read, services_of(request).max_upload_bytes)
    finally:
        await file.close()


async def _import(request: Request) -> dict[str, Any]:
    viewer = await viewer_of(request, CREATE)
    data = await _upload(request)
    services = services_of(request)
    outcome = await import_sheet(services.db, viewer, data, domain=services.mail_domain, link_ttl=services.links.ttl)
    result = outcome.as_json()
    report = result.pop("errorReport")
    result["error_report_url"] = (
        sign_file(services.links, GENERATED, report["id"], viewer.user_id).url if report else None
    )
    return result


async def import_data(request: Request) -> Response:
    """Import threads from the sheet ``file``: created, updated, failed and why."""
    result = await _import(request)
    return json_response(result)


async def import_data2(request: Request) -> Response:
    """The same; when rows failed the answer is the sheet of failed rows with their reasons."""
    result = await _import(request)
    if result["error_report_url"]:
        return _redirect(request, result["error_report_url"])
    return json_response(result)


def _job(job: ImportJobRecord) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "result": job.result,
        "error": job.error,
    }


async def async_import_data2(request: Request) -> Response:
    """Import in the background the staged upload srfossfileid, its headers mapped by
    srfimportschemaid (a JSON object {"Sheet header": "field"}, or nothing); the job answers."""
    viewer = await viewer_of(request, CREATE)
    params = request.query_params
    file_id = as_int(params.get("srfossfileid"), "srfossfileid", required=True)
    schema = params.get("srfimportschemaid")
    try:
        mapping = check_mapping(orjson.loads(schema) if schema else None)
    except orjson.JSONDecodeError as exc:
        raise BadUserInput("srfimportschemaid is a JSON object of sheet headers to fields") from exc
    services = services_of(request)
    async with services.db.read() as session:
        (staged,) = await attachments_for(session, viewer, [str(file_id)], [])
        data = await read_blob(session, staged.blob_sha256)
    if data is None:
        raise not_found("Attachment", file_id)
    bus = request.app.state.events
    job = await import_jobs.start_import(
        services, viewer, data, mapping=mapping, domain=services.mail_domain, publish=getattr(bus, "publish", None)
    )
    return json_response(_job(job))


async def print_data(request: Request) -> Response:
    """One thread with its messages, as PDF (or HTML with srfcontenttype html)."""
    viewer = await viewer_of(request, READ)
    async with services_of(request).db.read() as session:
        thread = await get_thread(session, viewer, request.path_params["key"])
    fmt = _format(request.query_params.get("srfcontenttype"), ("PDF", "HTML"))
    return _redirect(request, print_link(services_of(request).links, viewer.user_id, thread.id, fmt).url)


async def report(request: Request) -> Response:
    """One line per matching thread with its counters: PDF, or XLSX with srfcontenttype xlsx."""
    viewer = await viewer_of(request, READ)
    given = as_object(await json_body(request, empty={}), "body")
    fmt = _format(request.query_params.get("srfcontenttype"), ("PDF", "XLSX"))
    name = f"mail-thread-report.{fmt.lower()}"
    params = {"f": fmt, "q": thread_filter(given).as_params()}
    return _redirect(request, sign_file(services_of(request).links, REPORT, name, viewer.user_id, params).url)


FILE = {302: ("application/octet-stream", None)}
SEE_OTHER = {303: ("application/octet-stream", None)}
MULTIPART = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}
IMPORT_RESULT = {
    "type": "object",
    "properties": {
        "created": {"type": "integer"},
        "updated": {"type": "integer"},
        "failed": {"type": "integer"},
        "errors": {"type": "array", "items": {"type": "object"}},
        "error_report_url": {"type": ["string", "null"]},
    },
}
JOB = {"type": "object", "properties": {"id": STR, "status": STR, "processed": {"type": "integer"}}}
FILTERS = {"type": "object", "properties": {"n_id_eq": STR, "n_name_like": STR, "page": {}, "size": {}}}
EXPORT_PARAMS = [query_param("srfexporttag", STR, '"csv" for CSV, else XLSX')]

OPERATIONS = [
    op(
        "GET",
        "/importtemplate",
        import_template,
        "The import template",
        READ,
        responses=FILE,
        parameters=[query_param("srfimporttag", STR, '"csv" for CSV, else XLSX')],
    ),
    op(
        "POST",
        "/exportdata/{param}",
        export_data,
        "Export the threads that match",
        READ,
        responses=SEE_OTHER,
        request=FILTERS,
        parameters=[path_param("param", "fetch_default"), *EXPORT_PARAMS],
    ),
    op(
        "POST",
        "/exportdata/{param}/{key}",
        export_data,
        "Export one thread",
        READ,
        responses=SEE_OTHER,
        request=FILTERS,
        parameters=[path_param("param", "fetch_default"), path_param("key"), *EXPORT_PARAMS],
    ),
    op(
        "POST",
        "/importdata",
        import_data,
        "Import a sheet",
        CREATE,
        request=MULTIPART,
        request_type="multipart/form-data",
        responses={200: ("application/json", IMPORT_RESULT)},
        parameters=[query_param("srfimporttag", STR)],
    ),
    op(
        "POST",
        "/importdata2",
        import_data2,
        "Import a sheet; the failed rows as a sheet",
        CREATE,
        request=MULTIPART,
        request_type="multipart/form-data",
        responses={200: ("application/json", IMPORT_RESULT), **SEE_OTHER},
        parameters=[query_param("srfimporttag", STR)],
    ),
    op(
        "GET",
        "/asyncimportdata2",
        async_import_data2,
        "Import a staged upload in the background",
        CREATE,
        responses={200: ("application/json", JOB)},
        parameters=[
            query_param("srfimporttag", STR),
            query_param("srfossfileid", STR, "A staged upload's id", required=True),
            query_param("srfimportschemaid", STR, 'JSON {"Sheet header": "field"}'),
        ],
    ),
    op(
        "GET",
        "/printdata/{key}",
        print_data,
        "Print one thread",
        READ,
        responses=FILE,
        parameters=[
            path_param("key"),
            query_param("srfprinttag", STR),
            query_param("srfcontenttype", STR, "pdf or html"),
        ],
    ),
    op(
        "POST",
        "/report",
        report,
        "A report over the threads",
        READ,
        responses=SEE_OTHER,
        request=FILTERS,
        parameters=[query_param("srfreporttag", STR), query_param("srfcontenttype", STR, "pdf or xlsx")],
    ),
]
