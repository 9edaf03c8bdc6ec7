"""The ibizlab mail_thread API under /mail_threads, over the resolvers GraphQL uses.

Bodies are the document's snake_case mail thread. Permission tags map to mailgate's
token permissions (CREATE, READ, UPDATE, DELETE); an operation the document tags
NONE or not at all needs what its GraphQL counterpart needs. Keyed actions answer
the thread as it is afterwards (as ibizlab's generated resources do), except
``mail_track``, which answers the tracking values it computed. Errors are
Spring-style objects: ``{"status", "error", "code", "message", "path"}``.
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
from app.rest.mail_thread_dto import THREAD, THREADS, staged_ids, thread_answer, thread_dtos, thread_input
from app.rest.operation import Operation, path_param, query_param
from db.models import ApiPermission
from resolvers import posting, thread_store, threads, tracking
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


async def _body(request: Request) -> dict[str, Any]:
    return as_object(await json_body(request, empty={}), "body")


def _key(request: Request) -> str:
    return str(request.path_params["key"])


async def create(request: Request) -> Response:
    """Create a thread (a new key when id is null); the creator follows it."""
    viewer = await viewer_of(request, CREATE)
    record = await thread_store.create_thread_unit(services_of(request).db, viewer, thread_input(await _body(request)))
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def get(request: Request) -> Response:
    """One thread the caller follows or has messages in; 404 otherwise."""
    viewer = await viewer_of(request, READ)
    async with services_of(request).db.read() as session:
        record = await threads.get_thread(session, viewer, _key(request))
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def remove(request: Request) -> Response:
    """Delete a thread: its followers go; its messages stay, without a thread."""
    viewer = await viewer_of(request, DELETE)
    async with services_of(request).db.write() as session:
        return json_response(await thread_store.delete_thread(session, viewer, _key(request)))


async def update(request: Request) -> Response:
    """Change the given fields; tracked changes are posted to the thread."""
    viewer = await viewer_of(request, UPDATE)
    services = services_of(request)
    data = thread_input(await _body(request))
    async with services.db.write() as session:
        record = await thread_store.update_thread(session, viewer, _key(request), data, domain=services.mail_domain)
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def check_key(request: Request) -> Response:
    """1 when a thread (anyone's) has this id, 0 when the id is free or absent."""
    await viewer_of(request, CREATE)
    key = as_str((await _body(request)).get("id"), "id")
    if key is None:
        return json_response(0)
    async with services_of(request).db.read() as session:
        return json_response(int(await threads.key_exists(session, key)))


async def get_draft(request: Request) -> Response:
    """An unsaved thread filled with defaults (id and name from the query or the body)."""
    viewer = await viewer_of(request, CREATE)
    given = {**dict(request.query_params), **await _body(request)}
    record = threads.draft_thread(viewer, as_str(given.get("id"), "id"), as_str(given.get("name"), "name"))
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def save(request: Request) -> Response:
    """Create the thread when id is new or null, else update it."""
    viewer = await viewer_of(request, CREATE)
    services = services_of(request)
    data = thread_input(await _body(request))
    record = await thread_store.save_thread_unit(services.db, viewer, data, domain=services.mail_domain)
    return await thread_answer(loaders_of(request, viewer), viewer, record)


async def _after(request: Request, key: str) -> Response:
    """The thread as it is after a keyed action."""
    viewer = await viewer_of(request, READ)
    async with services_of(request).db.read() as session:
        record = await threads.get_thread(session, viewer, key)
    return await thread_answer(loaders_of(request, viewer), viewer, record)


def _ids(value: Any, name: str) -> list[str]:
    return [str(as_int(v, name, required=True)) for v in as_list(value, name)]


async def mail_message_post(request: Request) -> Response:
    """Post on thread ``id``: every follower but the author (and partner_ids) gets a copy.
    mailgate reads the post from ``subject``, ``body``, ``html_body``, ``partner_ids`` and
    the staged uploads in ``attachments``/``attachment_ids``."""
    viewer = await viewer_of(request, CREATE)
    body = await _body(request)
    key = as_str(body.get("id"), "id")
    if key is None:
        raise BadUserInput("id names the thread to post on", argument="id")
    async with services_of(request).db.write() as session:
        await posting.post_message(
            session,
            viewer,
            key,
            subject=as_str(body.get("subject"), "subject"),
            body=as_str(body.get("body"), "body"),
            html_body=as_str(body.get("html_body"), "html_body"),
            attachment_ids=staged_ids(body),
            partner_ids=_ids(body.get("partner_ids"), "partner_ids"),
            domain=services_of(request).mail_domain,
        )
    return await _after(request, key)


async def message_notify(request: Request) -> Response:
    """Notify ``partner_ids`` directly, followers or not, with ``subject`` and ``body``."""
    viewer = await viewer_of(request, CREATE)
    body = await _body(request)
    async with services_of(request).db.write() as session:
        await posting.notify(
            session,
            viewer,
            _key(request),
            subject=as_str(body.get("subject"), "subject"),
            body=as_str(body.get("body"), "body") or "",
            recipient_ids=_ids(body.get("partner_ids"), "partner_ids"),
            domain=services_of(request).mail_domain,
        )
    return await _after(request, _key(request))


def _initial_values(body: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Odoo's (tracked_fields, initial_values): the tracked fields the body names, with its values.
    Followers are compared by login, as tracking messages name them."""
    fields = [f for f in tracking.TRACKED if f in body]
    values = dict(body)
    if isinstance(values.get("followers"), list):
        values["followers"] = [f.get("login") if isinstance(f, dict) else f for f in values["followers"]]
    return fields, values


async def mail_track(request: Request) -> Response:
    """The tracking values the thread's current fields make against the body's; posts nothing."""
    viewer = await viewer_of(request, READ)
    fields, values = _initial_values(await _body(request))
    async with services_of(request).db.read() as session:
        changes = await tracking.mail_track(session, viewer, _key(request), fields, values)
    return json_response(
        [{"field": c["field"], "old_value": c["old_value"], "new_value": c["new_value"]} for c in changes]
    )


async def message_track(request: Request) -> Response:
    """Post a tracking message: the given ``changes`` ([{field, old_value, new_value}]), or the
    changes the current fields make against the body's values; nothing when nothing changed."""
    viewer = await viewer_of(request, UPDATE)
    body = await _body(request)
    services = services_of(request)
    async with services.db.write() as session:
        if body.get("changes") is not None:
            given = [as_object(c, "changes") for c in as_list(body["changes"], "changes")]
            changes = [(str(c.get("field")), c.get("old_value"), c.get("new_value")) for c in given]
        else:
            fields, values = _initial_values(body)
            found = await tracking.mail_track(session, viewer, _key(request), fields, values)
            changes = [(c["field"], c["old_value"], c["new_value"]) for c in found]
        if changes:
            await tracking.message_track(session, viewer, _key(request), changes, domain=services.mail_domain)
    return await _after(request, _key(request))


async def process_attachments_for_post(request: Request) -> Response:
    """Hand the staged uploads in ``attachments`` (ids) over to the thread."""
    viewer = await viewer_of(request, UPDATE)
    body = await _body(request)
    async with services_of(request).db.write() as session:
        await posting.process_attachments_for_post(session, viewer, _key(request), staged_ids(body))
    return await _after(request, _key(request))


async def track_prepare(request: Request) -> Response:
    """Remember the tracked fields' values: the next changes are posted by track_finalize."""
    viewer = await viewer_of(request, UPDATE)
    async with services_of(request).db.write() as session:
        await tracking.prepare(session, viewer, _key(request))
    return await _after(request, _key(request))


async def track_finalize(request: Request) -> Response:
    """Post what changed since track_prepare (nothing when nothing did) and forget it."""
    viewer = await viewer_of(request, UPDATE)
    services = services_of(request)
    async with services.db.write() as session:
        await tracking.finalize(session, viewer, _key(request), domain=services.mail_domain)
    return await _after(request, _key(request))


async def track_discard(request: Request) -> Response:
    """Forget what track_prepare remembered, posting nothing."""
    viewer = await viewer_of(request, UPDATE)
    async with services_of(request).db.write() as session:
        await tracking.discard(session, viewer, _key(request))
    return await _after(request, _key(request))


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
    given = {**dict(request.query_params), **await _body(request)}
    page = as_int(given.get("page"), "page") or 0
    size = as_int(given.get("size"), "size") or 20
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


ERROR = {
    "type": "object",
    "properties": {
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "code": {"type": "string"},
        "message": {"type": "string"},
        "path": {"type": "string"},
    },
}
KEY = [path_param("key", "The thread's id")]
POST_EXTRA = {
    "type": "object",
    "properties": {
        **THREAD["properties"],  # type: ignore[dict-item]
        "subject": {"type": "string"},
        "body": {"type": "string"},
        "html_body": {"type": "string"},
        "partner_ids": {"type": "array", "items": {"type": "integer"}},
        "attachment_ids": {"type": "array", "items": {"type": "integer"}},
        "changes": {"type": "array", "items": {"type": "object"}},
    },
}
TRACKING = {"type": "array", "items": {"type": "object"}}
FETCH = {
    "type": "object",
    "properties": {
        "page": {"type": "integer", "minimum": 0},
        "size": {"type": "integer", "minimum": 1, "maximum": 200},
        "sort": {"type": ["string", "null"], "description": "name|created_at|updated_at, then ,asc or ,desc"},
        "n_id_eq": {"type": ["string", "null"]},
        "n_name_like": {"type": ["string", "null"]},
    },
}

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
    op("POST", "/mail_message_post", mail_message_post, "Post a message on thread id", CREATE, request=POST_EXTRA),
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
    op(
        "POST",
        "/{key}/mail_track",
        mail_track,
        "Tracking values against the body's values",
        READ,
        parameters=KEY,
        request=THREAD,
        responses={200: ("application/json", TRACKING)},
    ),
    op(
        "POST",
        "/{key}/message_notify",
        message_notify,
        "Notify partner_ids",
        CREATE,
        parameters=KEY,
        request=POST_EXTRA,
    ),
    op(
        "POST",
        "/{key}/message_track",
        message_track,
        "Post a tracking message",
        UPDATE,
        parameters=KEY,
        request=POST_EXTRA,
    ),
    op(
        "POST",
        "/{key}/process_attachments_for_post",
        process_attachments_for_post,
        "Hand staged uploads over",
        UPDATE,
        parameters=KEY,
        request=THREAD,
    ),
    op("POST", "/{key}/track_discard", track_discard, "Forget track_prepare", UPDATE, parameters=KEY, request=THREAD),
    op(
        "POST",
        "/{key}/track_finalize",
        track_finalize,
        "Post changes since track_prepare",
        UPDATE,
        parameters=KEY,
        request=THREAD,
    ),
    op(
        "POST", "/{key}/track_prepare", track_prepare, "Remember tracked values", UPDATE, parameters=KEY, request=THREAD
    ),
]
