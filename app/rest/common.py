"""What the REST edges share: sign-in, reading JSON bodies, and domain errors as HTTP statuses.

Each edge keeps its own error body (R7's envelope, the mail_thread API's Spring-style
object) but the status of a domain error is decided here, once: the same code that
GraphQL puts in ``extensions.code`` picks the HTTP status.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.graphql import request_id_of
from app.limits import BodyTooLarge
from db.models import ApiPermission
from resolvers.auth import bearer_token, viewer_for_token
from resolvers.errors import BadUserInput, MailgateError, RateLimited, Unauthenticated
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.viewer import Viewer

log = logging.getLogger("mailgate.rest")

#: The HTTP status of each domain error code.
STATUS = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "INTERNAL_SERVER_ERROR": 500,
}
INTERNAL_MESSAGE = "Internal server error"

#: How an edge writes an error: (status, code, message, request) -> body.
ErrorBody = Callable[[int, str, str, Request], Any]
Handler = Callable[[Request], Awaitable[Response]]


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """``data`` as JSON (orjson: datetimes as ISO-8601, UTF-8 as is)."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json", headers=headers)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def viewer_of(request: Request, permission: ApiPermission) -> Viewer:
    """The signed-in viewer, when the token (``Authorization: <token>`` or ``Bearer <token>``)
    carries ``permission``: UNAUTHENTICATED without a live token, FORBIDDEN without the permission."""
    token = bearer_token(request.headers.get("authorization"))
    services = services_of(request)
    viewer = await viewer_for_token(services.db, token, services.tokens) if token else None
    if viewer is None:
        raise Unauthenticated("sign in first: send Authorization: <token>")
    return viewer.require(permission)


def loaders_of(request: Request, viewer: Viewer) -> Loaders:
    """The request's loaders: what a page of records needs is read once for the whole page."""
    return Loaders(services_of(request).db, viewer.user_id)


def strip_trailing_commas(text: str) -> str:
    """``text`` without the commas that close an object or array (``{"a": 1,}``), outside strings.

    The mail_thread document's examples are written that way; clients copied them."""
    out: list[str] = []
    in_string = escaped = False
    pending = -1  # index in ``out`` of a comma that may turn out to be trailing
    for char in text:
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char in "}]" and pending >= 0:
            out[pending] = ""
        if not char.isspace():
            pending = -1
        if char == ",":
            pending = len(out)
        elif char == '"':
            in_string = True
        out.append(char)
    return "".join(out)


async def json_body(request: Request, *, empty: Any = None) -> Any:
    """The request's JSON body (``empty`` when there is none); BAD_USER_INPUT when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        return empty
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return orjson.loads(strip_trailing_commas(raw.decode("utf-8")))
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadUserInput("the request body is not JSON") from exc


def parse_datetime(value: Any, name: str) -> datetime | None:
    """An ISO-8601 date and time; null and "" are no bound."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise BadUserInput(f"{name} must be an ISO-8601 date and time", argument=name)
    try:
        return datetime.fromisoformat(value.strip().replace(" ", ""))
    except ValueError as exc:
        raise BadUserInput(f"{name} must be an ISO-8601 date and time", argument=name) from exc


def endpoint(handler: Handler, error_body: ErrorBody) -> Handler:
    """``handler`` with its reads on one connection, domain errors answered by their status and
    ``error_body``; anything else is logged and answered 500 with a request id, never a trace."""

    async def run(request: Request) -> Response:
        try:
            # The request's reads share one connection, given back before the answer is sent.
            async with services_of(request).db.request():
                return await handler(request)
        except MailgateError as error:
            status = STATUS.get(error.code, 500)
            headers = {}
            if isinstance(error, RateLimited) and "retryAfter" in error.extensions:
                headers["retry-after"] = str(error.extensions["retryAfter"])
            if status == 401:
                headers["www-authenticate"] = "Bearer"
            return json_response(error_body(status, error.code, error.message, request), status, headers)
        except BodyTooLarge:
            raise  # RequestSizeLimit answers 413
        except Exception:
            request_id = request_id_of(request)
            log.exception("REST request %s %s failed (request %s)", request.method, request.url.path, request_id)
            body = error_body(500, "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE, request)
            return json_response(body, 500, {"x-request-id": request_id})

    run.__name__ = getattr(handler, "__name__", "endpoint")
    run.__doc__ = handler.__doc__
    return run


def as_list(value: Any, name: str) -> list[Any]:
    """A JSON array; one bare value is a list of one; null is empty."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [value]
    raise BadUserInput(f"{name} must be an array", argument=name)


def as_int(value: Any, name: str, *, required: bool = False) -> int | None:
    """An integer (or its decimal string); null is None unless ``required``."""
    if value is None or value == "":
        if required:
            raise BadUserInput(f"{name} is required", argument=name)
        return None
    if isinstance(value, bool):
        raise BadUserInput(f"{name} must be an integer", argument=name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise BadUserInput(f"{name} must be an integer", argument=name)


def as_ids(value: Any, name: str) -> list[int]:
    """Integer ids: a JSON array of them, or one."""
    ids: list[int] = []
    for item in as_list(value, name):
        ident = as_int(item, name)
        if ident is None:
            raise BadUserInput(f"{name} holds an empty id", argument=name)
        ids.append(ident)
    return ids


def as_bool(value: Any, name: str, *, default: bool | None = None) -> bool | None:
    """A boolean (also 0/1 and "true"/"false", as form posts send them); null is ``default``."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise BadUserInput(f"{name} must be true or false", argument=name)


def as_str(value: Any, name: str) -> str | None:
    """A string; null and "" are None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise BadUserInput(f"{name} must be a string", argument=name)
    return value


def as_object(value: Any, name: str) -> dict[str, Any]:
    """A JSON object; null is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadUserInput(f"{name} must be a JSON object", argument=name)
    return value
