"""A mail thread as the ibizlab mail_thread API writes it (snake_case, Odoo's 0/1 flags), and back.

The twelve fields of the document, no more: ``id`` (the key), ``name``,
``attachments`` and ``followers`` (lists of objects), and the counters the GraphQL
MailThread type has, from the same loaders. ``message_has_sms_error`` is always 0:
mailgate has no SMS channel.
"""

from __future__ import annotations

from typing import Any

from app.rest.common import as_list, as_str, json_response
from resolvers.errors import BadUserInput
from resolvers.loaders import Loaders
from resolvers.records import MailThreadRecord
from resolvers.thread_fields import COLUMN_FIELDS
from resolvers.thread_store import ThreadInput
from resolvers.viewer import Viewer

INT: dict[str, Any] = {"type": ["integer", "null"]}
STR: dict[str, Any] = {"type": ["string", "null"]}
ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "file_name": {"type": "string"},
        "mime_type": {"type": "string"},
        "size": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
FOLLOWER = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "user_id": {"type": "string"},
        "login": {"type": "string"},
        "name": {"type": "string"},
        "since": {"type": "string", "format": "date-time"},
    },
}
FIELDS: dict[str, Any] = {
    "attachments": {
        "type": ["array", "null"],
        "items": {"anyOf": [ATTACHMENT, {"type": ["string", "integer"]}]},
        "description": "Answers: the thread's attachments. Requests: ids of staged uploads to hand over "
        "(objects, as answers write them, are the thread's already and are left as they are).",
    },
    "followers": {
        "type": ["array", "null"],
        "items": {"anyOf": [FOLLOWER, {"type": ["string", "integer"]}]},
        "description": "Answers: the followers. Requests: user ids (or objects with user_id) that replace them.",
    },
    "has_message": INT,
    "id": STR,
    "message_attachment_count": INT,
    "message_has_error": INT,
    "message_has_error_counter": INT,
    "message_has_sms_error": INT,
    "message_is_follower": INT,
    "message_needaction": INT,
    "message_needaction_counter": INT,
    "name": STR,
}
THREAD = {"type": "object", "properties": FIELDS}
THREADS = {"type": "array", "items": THREAD}
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


async def thread_dtos(loaders: Loaders, viewer: Viewer, records: list[MailThreadRecord]) -> list[dict[str, Any]]:
    """The API's form of ``records``, their counters, followers and files loaded once for them all."""
    if not records:
        return []
    keys = [r.id for r in records]
    counters = await loaders.thread_counters.load_many(keys)
    followers = await loaders.followers_by_thread.load_many(keys)
    files = await loaders.attachments_by_thread.load_many(keys)
    user_ids = sorted({f.user_id for group in followers for f in group})
    users = dict(zip(user_ids, await loaders.user.load_many(user_ids), strict=True))
    out = []
    for rec, count, group, attached in zip(records, counters, followers, files, strict=True):
        out.append(
            {
                "attachments": [
                    {
                        "id": str(a.id),
                        "file_name": a.file_name,
                        "mime_type": a.mime_type,
                        "size": a.size,
                        "created_at": a.created_at.isoformat(),
                    }
                    for a in attached
                ],
                "followers": [
                    {
                        "id": str(f.id),
                        "user_id": str(f.user_id),
                        "login": getattr(users.get(f.user_id), "login", None),
                        "name": getattr(users.get(f.user_id), "name", None),
                        "since": f.since.isoformat(),
                    }
                    for f in group
                ],
                "has_message": int(count.messages > 0),
                "id": rec.id,
                "message_attachment_count": count.attachments,
                "message_has_error": int(count.failed > 0),
                "message_has_error_counter": count.failed,
                "message_has_sms_error": 0,
                "message_is_follower": int(any(f.user_id == viewer.user_id for f in group)),
                "message_needaction": int(count.unread > 0),
                "message_needaction_counter": count.unread,
                "name": rec.name,
            }
        )
    return out


def draft_dto(record: MailThreadRecord) -> dict[str, Any]:
    """An unsaved thread: nobody follows it, nothing is attached or posted yet. (Its id may name
    someone's saved thread; what that thread holds is not this draft's to show.)"""
    counters = dict.fromkeys(
        (
            "has_message",
            "message_attachment_count",
            "message_has_error",
            "message_has_error_counter",
            "message_has_sms_error",
            "message_is_follower",
            "message_needaction",
            "message_needaction_counter",
        ),
        0,
    )
    return {"attachments": [], "followers": [], **counters, "id": record.id, "name": record.name}


async def thread_answer(loaders: Loaders, viewer: Viewer, record: MailThreadRecord) -> Any:
    """One thread as the answer of an operation."""
    return json_response((await thread_dtos(loaders, viewer, [record]))[0])


def _ids(value: Any, name: str, object_key: str | None) -> list[str] | None:
    """Ids from a list of ids, or of objects (their ``object_key``; None: objects are skipped)."""
    if value is None:
        return None
    out: list[str] = []
    for item in as_list(value, name):
        if isinstance(item, dict):
            if object_key is None:
                continue
            item = item.get(object_key, item.get("id"))
        text = as_str(item, name)
        if text is None:
            raise BadUserInput(f"{name} holds an empty id", argument=name)
        out.append(text)
    return out


def thread_input(body: dict[str, Any]) -> ThreadInput:
    """The document's fields as a ThreadInput; the counters are computed, so they are not read."""
    key = as_str(body.get("id"), "id")
    return ThreadInput(
        key=key,
        # The registry's column fields (resolvers/thread_fields.py) are read by name, as GraphQL's input does.
        values={f.name: as_str(body[f.name], f.name) for f in COLUMN_FIELDS if body.get(f.name) is not None},
        follower_ids=_ids(body.get("followers"), "followers", "user_id"),
        attachment_ids=_ids(body.get("attachments"), "attachments", None),
    )


def staged_ids(body: dict[str, Any], extra: str = "attachment_ids") -> list[str]:
    """Staged uploads named by ``attachments`` (bare ids) and by ``extra``."""
    return [*(_ids(body.get("attachments"), "attachments", None) or []), *(_ids(body.get(extra), extra, "id") or [])]
