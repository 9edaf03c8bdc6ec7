"""The ibizlab mail_thread API under /mail_threads, over the resolvers GraphQL uses.

Bodies are the document's snake_case mail thread. Permission tags map to mailgate's
token permissions (CREATE, READ, UPDATE, DELETE); an operation the document tags
NONE or not at all needs what its GraphQL counterpart needs. This module has the
records (create, get, update, delete, check_key, get_draft, save, fetch_default);
``mail_thread_actions`` the keyed actions, ``mail_thread_files`` the files. Errors
are Spring-style objects: ``{"status", "error", "code", "message", "path"}``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.rest.common import (
    as_int,
    as_list,
    as_object,
    as_str,
    endpoint,
    json_body,
    json_response,
    loaders_of,
    services_of,
    viewer_of,
)
from app.rest.mail_thread_dto import (
    ERROR,
    FETCH,
    THREAD,
    THREADS,
    draft_dto,
    thread_answer,
    thread_dtos,
    thread_input,
)
from app.rest.operation import Operation, path_param, query_param
from db.models import ApiPermission
from db.units import run_write
from resolvers import thread_store, threads
from resolvers.errors import BadUserInput
from resolvers.threads import ThreadOrderField, ThreadOrdering, ThreadQuery

CREATE, READ, UPDATE, DELETE = ApiPermission.CREATE, ApiPermission.READ, ApiPermission.UPDATE, ApiPermission.DELETE
TAG = "mail_thread"
BASE = "/mail_threads"
#: Spring Data sort properties (and Odoo's names for them) -> mailgate's orderings.
SORT_FIELDS = {
    "name": ThreadOrderField.NAME,
    "created_at": ThreadOrderField.CREATED_AT,
    "create_date": ThreadOrderField.CREATED_AT,
    "updated_at": ThreadOrderField.UPDATED_AT,
    "write_date": ThreadOrderField.UPDATED_AT,
}


def error_body(status: int, code: str, message: str, request: Request) -> dict[str, Any]:
    return {
        "status": status,
        "error": HTTPStatus(status).phrase,
        "code": code,
        "message": message,
        "path": request.url.path,
    }


async def body_of(request: Request) -> dict[str, Any]:
    """The JSON object of the request (an empty body is {})."""
    return as_object(await json_body(request, empty={}), "body")


def key_of(request: Request) -> str:
    """The {key} of the path: a thread's id."""
    return str(request.path_params["key"])


async def create(request: Request) -> Response:
    """Create a thread (a new key when id is null); the creator follows it."""
    viewer = await viewer_of(request, CREATE)
    record = await thread_store.create_thread_unit(
        services_of(request).db, viewer, thread_input(await body_of(request))
    )
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def get(request: Request) -> Response:
    """One thread the caller follows or has messages in; 404 otherwise."""
    viewer = await viewer_of(request, READ)
    async with services_of(request).db.read() as session:
        record = await threads.get_thread(session, viewer, key_of(request))
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def remove(request: Request) -> Response:
    """Delete a thread: its followers go; its messages stay, without a thread."""
    viewer = await viewer_of(request, DELETE)
    return json_response(
        await run_write(
            services_of(request).db, lambda session: thread_store.delete_thread(session, viewer, key_of(request))
        )
    )


async def update(request: Request) -> Response:
    """Change the given fields; tracked changes are posted to the thread."""
    viewer = await viewer_of(request, UPDATE)
    services = services_of(request)
    data = thread_input(await body_of(request))
    record = await run_write(
        services.db,
        lambda session: thread_store.update_thread(session, viewer, key_of(request), data, domain=services.mail_domain),
    )
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def check_key(request: Request) -> Response:
    """1 when a thread (anyone's) has this id, 0 when the id is free or absent."""
    await viewer_of(request, CREATE)
    key = as_str((await body_of(request)).get("id"), "id")
    if key is None:
        return json_response(0)
    async with services_of(request).db.read() as session:
        return json_response(int(await threads.key_exists(session, key)))


async def get_draft(request: Request) -> Response:
    """An unsaved thread filled with defaults (id and name from the query or the body)."""
    viewer = await viewer_of(request, CREATE)
    given = {**dict(request.query_params), **await body_of(request)}
    record = threads.draft_thread(viewer, as_str(given.get("id"), "id"), as_str(given.get("name"), "name"))
    return json_response(draft_dto(record))


async def save(request: Request) -> Response:
    """Create the thread when id is new or null, else update it."""
    viewer = await viewer_of(request, CREATE)
    services = services_of(request)
    data = thread_input(await body_of(request))
    record = await thread_store.save_thread_unit(services.db, viewer, data, domain=services.mail_domain)
    return await thread_answer(loaders_of(request, viewer), viewer, record)


def _ordering(sort: Any) -> ThreadOrdering:
    """Spring's ``sort=property,direction`` (a string or a list of them; the first one counts)."""
    given = as_list(sort, "sort")
    if not given or given[0] in (None, ""):
        return ThreadOrdering()
    prop, _, direction = str(given[0]).partition(",")
    order_field = SORT_FIELDS.get(prop.strip().lower())
    if order_field is None or direction.strip().lower() not in ("", "asc", "desc"):
        raise BadUserInput(f"sort is one of {', '.join(SORT_FIELDS)}, then ,asc or ,desc", argument="sort")
    return ThreadOrdering(order_field, descending=direction.strip().lower() != "asc")


def thread_filter(given: dict[str, Any]) -> ThreadQuery:
    """The document's filters: n_id_eq and n_name_like."""
    return ThreadQuery(
        id_eq=as_str(given.get("n_id_eq"), "n_id_eq"), name_like=as_str(given.get("n_name_like"), "n_name_like")
    )


async def fetch_default(request: Request) -> Response:
    """A page of the caller's threads: page (from 0), size, sort, n_id_eq, n_name_like, in the
    body or the query. Spring's paging headers say where it is: x-page, x-per-page, x-total."""
    viewer = await viewer_of(request, READ)
    given = {**dict(request.query_params), **await body_of(request)}
    page = as_int(given.get("page"), "page") or 0
    size = as_int(given.get("size"), "size")
    size = 20 if size is None else size
    if page < 0:
        raise BadUserInput("page cannot be negative", argument="page")
    async with services_of(request).db.read() as session:
        found = await threads.list_threads(
            session,
            viewer,
            thread_filter(given),
            _ordering(given.get("sort")),
            first=size,
            offset=page * size,
            with_total=True,
        )
    items = await thread_dtos(loaders_of(request, viewer), viewer, found.items)
    headers = {"x-page": str(page), "x-per-page": str(size), "x-total": str(found.total_count or 0)}
    return json_response(items, headers=headers)


def op(method: str, path: str, handler: Any, summary: str, permission: ApiPermission, **more: Any) -> Operation:
    """An operation of this edge, with its error answers."""
    responses = more.pop("responses", {200: ("application/json", THREAD)})
    errors = dict.fromkeys((400, 401, 403, 404, 409, 500), ("application/json", ERROR))
    return Operation(
        method,
        f"{BASE}{path}",
        endpoint(handler, error_body),
        summary,
        TAG,
        permission.name,
        responses={**responses, **errors},
        **more,
    )


KEY = [path_param("key", "The thread's id")]

OPERATIONS = [
    op("POST", "", create, "Create a mail thread", CREATE, request=THREAD),
    op(
        "POST",
        "/check_key",
        check_key,
        "Whether the id is taken: 1 or 0",
        CREATE,
        request=THREAD,
        responses={200: ("application/json", {"type": "integer", "enum": [0, 1]})},
    ),
    op(
        "GET",
        "/get_draft",
        get_draft,
        "An unsaved thread with defaults",
        CREATE,
        parameters=[query_param("id", {"type": "string"}), query_param("name", {"type": "string"})],
    ),
    op("POST", "/save", save, "Create or update", CREATE, request=THREAD),
    op(
        "POST",
        "/fetch_default",
        fetch_default,
        "A page of threads (x-page, x-per-page, x-total)",
        READ,
        request=FETCH,
        responses={200: ("application/json", THREADS)},
    ),
    op("GET", "/{key}", get, "One mail thread", READ, parameters=KEY),
    op("PUT", "/{key}", update, "Update a mail thread", UPDATE, parameters=KEY, request=THREAD),
    op(
        "DELETE",
        "/{key}",
        remove,
        "Delete a mail thread",
        DELETE,
        parameters=KEY,
        responses={200: ("application/json", {"type": "boolean"})},
    ),
]
