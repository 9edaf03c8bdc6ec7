"""Field tracking on mail threads, as Odoo's mail_thread does it.

The tracked fields are those the registry (resolvers/thread_fields.py) marks
tracked: ``name`` and ``followers`` (the follower list rendered as a stable
string: the logins sorted and joined with ", "; null when nobody follows).
trackPrepare stores their values per thread and caller in
``tracking_snapshots`` (so a prepare survives a restart; a second one
overwrites the first); trackFinalize compares, posts a tracking NOTIFICATION
when something changed and forgets the snapshot. A tracking message is
delivered like a post: every follower but the author gets an unread copy, the
author a read one; ``messages.tracking_values`` holds
``{"field", "old_value", "new_value"}`` per change and the body says the same
in words ("name: Old → New").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Follower, MailThread, MessageKind, TrackingSnapshot, User, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput
from resolvers.posting import Post, deliver_post
from resolvers.records import MailThreadRecord
from resolvers.thread_fields import COLUMN_FIELDS, FOLLOWERS, TRACKED, cell, render_followers
from resolvers.threads import follower_ids, get_thread
from resolvers.viewer import Viewer

T = table_of(MailThread)
F = table_of(Follower)
S = table_of(TrackingSnapshot)
U = table_of(User)

MAX_CHANGES = 50
MAX_VALUE = 10_000
EMPTY = "—"

Change = dict[str, Any]


async def current_values(session: AsyncSession, thread_id: str) -> dict[str, str | None]:
    """The thread's tracked fields (the registry's) as they are now, rendered as strings."""
    columns = [f for f in COLUMN_FIELDS if f.tracked]
    row = (await session.execute(select(*(T.c[f.column or ""] for f in columns)).where(T.c.id == thread_id))).one()
    values: dict[str, str | None] = {
        f.name: cell(v) if v is not None else None for f, v in zip(columns, row, strict=True)
    }
    if FOLLOWERS.tracked:
        logins = [
            r[0]
            for r in await session.execute(
                select(U.c.login).join(F, F.c.user_id == U.c.id).where(F.c.thread_id == thread_id)
            )
        ]
        values[FOLLOWERS.name] = render_followers(logins)
    return {name: values[name] for name in TRACKED}


def diff(old: Mapping[str, Any], new: Mapping[str, Any], fields: Sequence[str] = TRACKED) -> list[Change]:
    """One change per field whose value differs, in ``fields`` order."""
    return [{"field": f, "old_value": old.get(f), "new_value": new.get(f)} for f in fields if old.get(f) != new.get(f)]


def describe(changes: Sequence[Change]) -> str:
    """The body of a tracking message: one line per change."""
    return "\n".join(
        f"{c['field']}: {c['old_value'] if c['old_value'] is not None else EMPTY}"
        f" → {c['new_value'] if c['new_value'] is not None else EMPTY}"
        for c in changes
    )


def check_fields(fields: Sequence[str], argument: str) -> list[str]:
    unknown = [f for f in fields if f not in TRACKED]
    if unknown:
        raise BadUserInput(
            f"{', '.join(unknown)} is not a tracked field; the tracked fields are {', '.join(TRACKED)}",
            argument=argument,
        )
    return list(dict.fromkeys(fields))


async def post_tracking(
    session: AsyncSession, viewer: Viewer, thread: MailThreadRecord, changes: Sequence[Change], *, domain: str
) -> int:
    """A tracking NOTIFICATION for every follower but the author; returns the author's copy."""
    values = [{"field": c["field"], "old_value": c["old_value"], "new_value": c["new_value"]} for c in changes]
    post = Post(MessageKind.NOTIFICATION, thread.name, describe(values), tracking_values=values)
    recipients = await follower_ids(session, thread.id)
    return await deliver_post(session, thread, viewer.user_id, recipients, post, domain=domain)


async def _forget(session: AsyncSession, viewer: Viewer, thread_id: str) -> dict[str, Any] | None:
    """Delete the viewer's snapshot of the thread; returns what it held."""
    row = (
        await session.execute(
            delete(S).where(S.c.thread_id == thread_id, S.c.user_id == viewer.user_id).returning(S.c["values"])
        )
    ).first()
    return dict(row[0]) if row is not None else None


async def prepare(session: AsyncSession, viewer: Viewer, thread_id: str) -> bool:
    """trackPrepare: remember the tracked values for this caller (a second prepare overwrites)."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    values = await current_values(session, thread.id)
    await _forget(session, viewer, thread.id)
    await session.execute(
        insert(S).values(thread_id=thread.id, user_id=viewer.user_id, values=values, created_at=utcnow())
    )
    return True


async def finalize(session: AsyncSession, viewer: Viewer, thread_id: str, *, domain: str) -> int | None:
    """trackFinalize: post the changes since trackPrepare (None when nothing changed) and forget."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    before = await _forget(session, viewer, thread.id)
    if before is None:
        raise BadUserInput("call trackPrepare on this thread before trackFinalize", argument="threadId")
    changes = diff(before, await current_values(session, thread.id))
    if not changes:
        return None
    return await post_tracking(session, viewer, thread, changes, domain=domain)


async def discard(session: AsyncSession, viewer: Viewer, thread_id: str) -> bool:
    """trackDiscard: forget the snapshot; whether there was one."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    return await _forget(session, viewer, thread.id) is not None


def _value(value: str | None, argument: str) -> str | None:
    if value is not None and len(value) > MAX_VALUE:
        raise BadUserInput(f"a tracked value has at most {MAX_VALUE} characters", argument=argument)
    return value


async def message_track(
    session: AsyncSession,
    viewer: Viewer,
    thread_id: str,
    changes: Sequence[tuple[str, str | None, str | None]],
    *,
    domain: str,
) -> int:
    """messageTrack: post the given (field, old, new) changes as a tracking message."""
    thread = await get_thread(session, viewer, thread_id, lock=True)
    if not changes:
        raise BadUserInput("messageTrack needs at least one change", argument="changes")
    if len(changes) > MAX_CHANGES:
        raise BadUserInput(f"messageTrack takes at most {MAX_CHANGES} changes", argument="changes")
    check_fields([c[0] for c in changes], "changes")
    values = [
        {"field": f, "old_value": _value(old, "changes"), "new_value": _value(new, "changes")}
        for f, old, new in changes
    ]
    return await post_tracking(session, viewer, thread, values, domain=domain)


def _initial(field: str, value: Any) -> str | None:
    """An initial value as the tracked field renders it: a string or null; for
    followers also a list of logins."""
    if value is None or isinstance(value, str):
        return value or (None if field == FOLLOWERS.name else value)
    if field == FOLLOWERS.name and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return render_followers(value)
    raise BadUserInput(f"the initial value of {field} must be a string or null", argument="initialValues")


async def mail_track(
    session: AsyncSession, viewer: Viewer, thread_id: str, fields: Sequence[str], initial_values: Any
) -> list[Change]:
    """mailTrack: the changes the current fields make against ``initial_values``; posts nothing.

    A field missing from ``initial_values`` counts as null."""
    thread = await get_thread(session, viewer, thread_id)
    wanted = check_fields(fields, "trackedFields")
    if not isinstance(initial_values, dict):
        raise BadUserInput("initialValues must be a JSON object", argument="initialValues")
    old = {f: _initial(f, initial_values.get(f)) for f in wanted}
    return diff(old, await current_values(session, thread.id), wanted)
