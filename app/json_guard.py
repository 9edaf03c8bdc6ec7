"""A GraphQL request's JSON is looked at before anything parses it.

Python's json module recurses once per nesting level: a 5,000-deep value in the
variables raised RecursionError (HTTP 500), and a body that is not UTF-8 raised
UnicodeDecodeError. Here a JSON body (POST) or the ``variables`` and ``extensions``
parameters (GET) must be UTF-8, nest at most ``max_depth`` arrays and objects, and
a JSON body may be at most ``max_bytes`` (uploads, which are multipart, keep the
larger request limit of app.limits). Anything else gets 400 (413 for size) with a
GraphQL error body, before the GraphQL view sees the request.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: A JSON string, escapes included: its brackets do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nesting(data: bytes) -> int:
    """How deep arrays and objects nest in the JSON text ``data`` (without parsing it)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b"", data)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def problem(data: bytes, max_depth: int) -> str | None:
    """Why ``data`` cannot be a request's JSON, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "the request body is not UTF-8 text"
    if nesting(data) > max_depth:
        return f"JSON nests deeper than {max_depth} levels"
    return None


class JsonGuard:
    """ASGI middleware: UTF-8, nesting and size checks on GraphQL JSON."""

    def __init__(self, app: ASGIApp, max_depth: int = 64, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.app = app
        self.max_depth = max_depth
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET":
            query = scope.get("query_string", b"")
            try:
                params = parse_qsl(query.decode("latin-1"), encoding="utf-8", errors="strict")
            except UnicodeDecodeError:
                await _answer(send, 400, "BAD_USER_INPUT", "the query string is not UTF-8 text")
                return
            for name, value in params:
                why = problem(value.encode(), self.max_depth) if name in ("variables", "extensions") else None
                if why is not None:
                    await _answer(send, 400, "BAD_USER_INPUT", f"{name}: {why}")
                    return
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        if scope["method"] != "POST" or b"json" not in headers.get(b"content-type", b"").lower():
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, "PAYLOAD_TOO_LARGE", f"a JSON request is at most {self.max_bytes} bytes")
                return
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        why = problem(body, self.max_depth)
        if why is not None:
            await _answer(send, 400, "BAD_USER_INPUT", why)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
