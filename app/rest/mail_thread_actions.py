"""The mail_thread API's keyed actions: posting, notifying, tracking, handing attachments over.

Each answers the thread as it is afterwards (as ibizlab's generated resources do), except
``mail_track``, which answers the tracking values it computed. mailgate reads a post or a
notification from fields the document leaves to the implementation: ``subject``, ``body``,
``html_body``, ``partner_ids``, ``attachment_ids`` (and ``changes`` for message_track).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.rest.common import (
    as_ids,
    as_list,
    as_object,
    as_str,
    json_response,
    loaders_of,
    services_of,
    viewer_of,
)
from app.rest.mail_thread import CREATE, KEY, READ, UPDATE, body_of, key_of, op
from app.rest.mail_thread_dto import POST_EXTRA, THREAD, TRACKING, staged_ids, thread_answer
from db.units import run_write
from resolvers import posting, threads, tracking
from resolvers.errors import BadUserInput
from resolvers.thread_fields import TRACKED
from resolvers.viewer import Viewer


async def _after(request: Request, viewer: Viewer, key: str) -> Response:
    """The thread as it is after a keyed action, as the caller sees it."""
    async with services_of(request).db.read() as session:
        record = await threads.get_thread(session, viewer, key)
    return await thread_answer(loaders_of(request, viewer), viewer, record)


def _ids(value: Any, name: str) -> list[str]:
    return [str(ident) for ident in as_ids(value, name)]


async def mail_message_post(request: Request) -> Response:
    """Post on thread ``id``: every follower but the author (and partner_ids) gets a copy.
    mailgate reads the post from ``subject``, ``body``, ``html_body``, ``partner_ids`` and
    the staged uploads in ``attachments``/``attachment_ids``."""
    viewer = await viewer_of(request, CREATE)
    body = await body_of(request)
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
    return await _after(request, viewer, key)


async def message_notify(request: Request) -> Response:
    """Notify ``partner_ids`` directly, followers or not, with ``subject`` and ``body``."""
    viewer = await viewer_of(request, CREATE)
    body = await body_of(request)
    async with services_of(request).db.write() as session:
        await posting.notify(
            session,
            viewer,
            key_of(request),
            subject=as_str(body.get("subject"), "subject"),
            body=as_str(body.get("body"), "body") or "",
            recipient_ids=_ids(body.get("partner_ids"), "partner_ids"),
            domain=services_of(request).mail_domain,
        )
    return await _after(request, viewer, key_of(request))


def _initial_values(body: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Odoo's (tracked_fields, initial_values): the tracked fields the body names, with its values.
    Followers are compared by login, as tracking messages name them."""
    fields = [f for f in TRACKED if f in body]
    values = dict(body)
    if isinstance(values.get("followers"), list):
        values["followers"] = [f.get("login") if isinstance(f, dict) else f for f in values["followers"]]
    return fields, values


async def mail_track(request: Request) -> Response:
    """The tracking values the thread's current fields make against the body's; posts nothing."""
    viewer = await viewer_of(request, READ)
    fields, values = _initial_values(await body_of(request))
    async with services_of(request).db.read() as session:
        changes = await tracking.mail_track(session, viewer, key_of(request), fields, values)
    return json_response(
        [{"field": c["field"], "old_value": c["old_value"], "new_value": c["new_value"]} for c in changes]
    )


async def message_track(request: Request) -> Response:
    """Post a tracking message: the given ``changes`` ([{field, old_value, new_value}]), or the
    changes the current fields make against the body's values; nothing when nothing changed."""
    viewer = await viewer_of(request, UPDATE)
    body = await body_of(request)
    services = services_of(request)
    async with services.db.write() as session:
        if body.get("changes") is not None:
            given = [as_object(c, "changes") for c in as_list(body["changes"], "changes")]
            changes = [(str(c.get("field")), c.get("old_value"), c.get("new_value")) for c in given]
        else:
            fields, values = _initial_values(body)
            found = await tracking.mail_track(session, viewer, key_of(request), fields, values)
            changes = [(c["field"], c["old_value"], c["new_value"]) for c in found]
        if changes:
            await tracking.message_track(session, viewer, key_of(request), changes, domain=services.mail_domain)
    return await _after(request, viewer, key_of(request))


async def process_attachments_for_post(request: Request) -> Response:
    """Hand the staged uploads in ``attachments`` (ids) over to the thread."""
    viewer = await viewer_of(request, UPDATE)
    body = await body_of(request)
    await run_write(
        services_of(request).db,
        lambda session: posting.process_attachments_for_post(session, viewer, key_of(request), staged_ids(body)),
    )
    return await _after(request, viewer, key_of(request))


async def track_prepare(request: Request) -> Response:
    """Remember the tracked fields' values: the next changes are posted by track_finalize."""
    viewer = await viewer_of(request, UPDATE)
    await run_write(services_of(request).db, lambda session: tracking.prepare(session, viewer, key_of(request)))
    return await _after(request, viewer, key_of(request))


async def track_finalize(request: Request) -> Response:
    """Post what changed since track_prepare (nothing when nothing did) and forget it."""
    viewer = await viewer_of(request, UPDATE)
    services = services_of(request)
    await run_write(
        services.db, lambda session: tracking.finalize(session, viewer, key_of(request), domain=services.mail_domain)
    )
    return await _after(request, viewer, key_of(request))


async def track_discard(request: Request) -> Response:
    """Forget what track_prepare remembered, posting nothing."""
    viewer = await viewer_of(request, UPDATE)
    await run_write(services_of(request).db, lambda session: tracking.discard(session, viewer, key_of(request)))
    return await _after(request, viewer, key_of(request))


OPERATIONS = [
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
    op(
        "POST",
        "/{key}/track_finalize",
        track_finalize,
        "Post changes since track_prepare",
        UPDATE,
        parameters=KEY,
        request=THREAD,
    ),
    op("POST", "/mail_message_post", mail_message_post, "Post a message on thread id", CREATE, request=POST_EXTRA),
    op("POST", "/{key}/track_discard", track_discard, "Forget track_prepare", UPDATE, parameters=KEY, request=THREAD),
    op(
        "POST", "/{key}/track_prepare", track_prepare, "Remember tracked values", UPDATE, parameters=KEY, request=THREAD
    ),
]
