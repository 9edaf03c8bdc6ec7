"""The mail_thread document's examples (000_0338d05ef9a510a0.txt), as written there.

Every request and answer example of a thread is the same object with every field null,
written with a trailing comma (``"name" : null,\n}``): ``THREAD_TEXT`` is that text, sent
as it is; ``THREAD`` is its value.
"""

from __future__ import annotations

from typing import Any

THREAD_TEXT = """{
  "attachments" : null,
  "followers" : null,
  "has_message" : null,
  "id" : null,
  "message_attachment_count" : null,
  "message_has_error" : null,
  "message_has_error_counter" : null,
  "message_has_sms_error" : null,
  "message_is_follower" : null,
  "message_needaction" : null,
  "message_needaction_counter" : null,
  "name" : null,
}"""
THREAD: dict[str, Any] = dict.fromkeys(
    (
        "attachments",
        "followers",
        "has_message",
        "id",
        "message_attachment_count",
        "message_has_error",
        "message_has_error_counter",
        "message_has_sms_error",
        "message_is_follower",
        "message_needaction",
        "message_needaction_counter",
        "name",
    )
)
FETCH_TEXT = """{
  "page" : 0,
  "size" : 20,
  "sort" : null,
  "n_id_eq" : null,
  "n_name_like" : null,
}"""
#: The documented types of the answer fields (the examples are all null): 可选 Integer, String, Object.
THREAD_TYPES = {
    "attachments": list,
    "followers": list,
    "has_message": int,
    "id": str,
    "message_attachment_count": int,
    "message_has_error": int,
    "message_has_error_counter": int,
    "message_has_sms_error": int,
    "message_is_follower": int,
    "message_needaction": int,
    "message_needaction_counter": int,
    "name": str,
}
