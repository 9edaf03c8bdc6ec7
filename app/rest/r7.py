"""The R7 mail API, served as its document describes it, over the resolvers GraphQL uses.

``POST /api/v2/auth/Login``, ``POST /api/v1/email/{Send,Messages,MarkAsRead,
MarkAsFavorite,Delete,MoveMessage}`` and ``GET /api/v1/email/Attachments``: JSON with
the document's field names (matched without regard to case, as ASP.NET binds them),
integer ids, ``Authorization: <token>`` (``Bearer <token>`` too). A domain error is
answered with its HTTP status in R7's envelope: ``{"Status", "StatusCode",
"Response": null, "Error": {"Code", "Message"}}``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.files import content_disposition, safe_media_type
from app.rest import r7_schemas as s
from app.rest.common import (
    as_bool,
    as_ids,
    as_int,
    as_list,
    as_object,
    as_str,
    endpoint,
    json_body,
    json_response,
    loaders_of,
    parse_datetime,
    services_of,
    viewer_of,
)
from app.rest.operation import Operation, query_param
from app.rest.r7_message import r7_date, r7_messages
from db.models import ApiPermission
from db.units import run_write
from resolvers import auth, bulk, sending
from resolvers.attachment_bytes import attachment_by_name
from resolvers.compose import Compose, own_message
from resolvers.errors import BadUserInput, not_found
from resolvers.messages import MessageOrdering, MessageQuery, OrderField, list_messages
from resolvers.records import UserRecord

CREATE, READ, UPDATE, DELETE = ApiPermission.CREATE, ApiPermission.READ, ApiPermission.UPDATE, ApiPermission.DELETE
ORDER_FIELDS = {f.value.casefold(): f for f in OrderField}
TAG = "R7 mail"


def error_body(status: int, code: str, message: str, _request: Request) -> dict[str, Any]:
    return {"Status": status, "StatusCode": status, "Response": None, "Error": {"Code": code, "Message": message}}


def field(body: dict[str, Any], name: str) -> Any:
    """``body[name]``, or the key that differs from ``name`` only in case."""
    if name in body:
        return body[name]
    folded = name.casefold()
    return next((v for k, v in body.items() if isinstance(k, str) and k.casefold() == folded), None)


async def _object(request: Request) -> dict[str, Any]:
    return as_object(await json_body(request, empty={}), "body")


def _ids(body: dict[str, Any]) -> list[int]:
    return as_ids(field(body, "Ids"), "Ids") or as_ids(field(body, "Id"), "Id")


def _addresses(value: Any, name: str) -> list[str]:
    """To, Cc, Bcc: an array of addresses (the example) or one string of them (the table)."""
    out: list[str] = []
    for item in as_list(value, name):
        text = as_str(item, name)
        if text:
            out.extend(part.strip() for part in text.replace(";", ",").split(",") if part.strip())
    return out


def _name_parts(name: str) -> tuple[str | None, str | None, str | None]:
    """Surname, first name, middle name of a Russian full name ("Сизый Федор Петрович")."""
    parts = name.split()
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1], None
    return None, None, None


def _user(user: UserRecord) -> dict[str, Any]:
    surname, first, middle = _name_parts(user.name)
    nothing = dict.fromkeys(
        ("Company", "Department", "Position", "Jid", "BirthDate", "PhoneNumber", "MobilePhone", "WorkPhone")
    )
    return {
        "Id": user.id,
        "Login": user.login,
        "Name": user.name,
        "Surname": surname,
        "FirstName": first,
        "MiddleName": middle,
        **nothing,
        "Email": user.email,
        "NotApproved": [],
        "About": None,
        "Modified": None,
        "ContactId": user.id,
        "Type": 0,
        "Status": 1,
        "Roles": [],
        "Group": None,
        "Avatar": None,
        "Interests": None,
        "City": None,
        "Customer": None,
        "DataStorageQuota": None,
        "Profile": None,
        "HasAvatar": False,
    }


async def login(request: Request) -> Response:
    """Tokens for a login (or email) and password, in R7's AuthResponse envelope."""
    body = await _object(request)
    name, password = as_str(field(body, "Login"), "Login"), field(body, "Password")
    if not name or not isinstance(password, str):
        raise BadUserInput("Login and Password are required", argument="Login")
    services = services_of(request)
    client = request.client.host if request.client else None
    tokens = await auth.login(services.db, name, password, services.auth, client=client)
    viewer = await auth.viewer_for_token(services.db, tokens.access_token, services.tokens)
    agent = request.headers.get("user-agent", "")
    data = {
        "Tokens": {
            "Id": viewer.token_id if viewer else None,
            "User": None,
            # R7 names the client that signed in by a hash; here of its User-Agent and address.
            "ClientHash": hashlib.sha256(f"{agent}\n{client or ''}".encode()).hexdigest(),
            "AuthToken": tokens.access_token,
            "RefreshToken": tokens.refresh_token,
            "UserId": tokens.user.id,
            "ExpiredAt": r7_date(tokens.expires_at),
            "Type": None,
        },
        "State": "Login",
        "User": _user(tokens.user),
        "ModulesAccess": ["Mail"],
    }
    return json_response({"Status": 200, "StatusCode": 200, "Response": {"TypeName": "AuthResponse", "Data": data}})


async def send(request: Request) -> Response:
    """Send a new message, or the draft named by Id; the sender's copy (in Sent) is the answer."""
    viewer = await viewer_of(request, CREATE)
    body = await _object(request)
    draft = as_int(field(body, "Id"), "Id")
    files = field(body, "Attachments")
    # Attachments[].Id: staged uploads, or the draft's own files (R7's FileId names its Disk file: not used).
    compose = Compose(
        draft_id=str(draft) if draft else None,
        subject=as_str(field(body, "Subject"), "Subject"),
        body=as_str(field(body, "Body"), "Body"),
        html_body=as_str(field(body, "HtmlBody"), "HtmlBody"),
        to=_addresses(field(body, "To"), "To"),
        cc=_addresses(field(body, "Cc"), "Cc"),
        bcc=_addresses(field(body, "Bcc"), "Bcc"),
        attachment_ids=None
        if files is None
        else [
            str(as_int(field(as_object(a, "Attachments"), "Id"), "Attachments.Id", required=True))
            for a in as_list(files, "Attachments")
        ],
    )
    services = services_of(request)
    message_id = await sending.send_unit(services.db, services, viewer, compose)
    async with services.db.read() as session:
        record = await own_message(session, viewer, message_id)
    return json_response((await r7_messages(loaders_of(request, viewer), [record]))[0])


def _query(context: dict[str, Any]) -> MessageQuery:
    """SearchContext as a MessageQuery: "" and null leave a filter out."""
    labels = as_ids(field(context, "Labels"), "Labels")
    return MessageQuery(
        query=as_str(field(context, "Query"), "Query"),
        subject=as_str(field(context, "Subject"), "Subject"),
        body=as_str(field(context, "Body"), "Body"),
        sender=as_str(field(context, "From"), "From"),
        recipient=as_str(field(context, "To"), "To"),
        start_date=parse_datetime(field(context, "StartDate"), "StartDate"),
        end_date=parse_datetime(field(context, "EndDate"), "EndDate"),
        label_ids=[str(v) for v in labels] or None,
        was_read=as_bool(field(context, "WasRead"), "WasRead"),
    )


def _ordering(body: dict[str, Any]) -> MessageOrdering:
    name = as_str(field(body, "orderField"), "orderField") or "Date"
    order_field = ORDER_FIELDS.get(name.casefold())
    if order_field is None:
        raise BadUserInput("orderField is one of Date, Subject, From, Size", argument="orderField")
    direction = as_int(field(body, "sortOrder"), "sortOrder")
    if direction not in (None, 0, 1):
        raise BadUserInput("sortOrder is 0 (ascending) or 1 (descending)", argument="sortOrder")
    return MessageOrdering(order_field, descending=direction != 0)


async def messages(request: Request) -> Response:
    """A page of one folder's messages (every folder but Trash and Junk for folderId 0) that match SearchContext."""
    viewer = await viewer_of(request, READ)
    body = await _object(request)
    folder_id = as_int(field(body, "folderId"), "folderId") or 0
    query = _query(as_object(field(body, "SearchContext"), "SearchContext"))
    ordering = _ordering(body)
    size = as_int(field(body, "size"), "size")
    offset = as_int(field(body, "offset"), "offset")
    loaders = loaders_of(request, viewer)
    folder = None
    if folder_id:
        folder = await loaders.folder.load(folder_id)
        if folder is None:
            raise not_found("Folder", folder_id)
    async with services_of(request).db.read() as session:
        page = await list_messages(
            session, viewer, folder, query, ordering, first=size, offset=offset, with_totals=True
        )
    items = await r7_messages(loaders, page.items)
    return json_response(
        {"FolderId": folder_id, "Items": items, "Count": page.total_count or 0, "UnreadCount": page.unread_count or 0}
    )


def _folder(body: dict[str, Any], name: str = "folderId") -> str | None:
    value = as_int(field(body, name), name)
    return str(value) if value else None


async def mark_as_read(request: Request) -> Response:
    """Mark messages read (WasRead true, the default) or unread; all or nothing."""
    viewer = await viewer_of(request, UPDATE)
    body = await _object(request)
    was_read = as_bool(field(body, "WasRead"), "WasRead", default=True)
    await run_write(
        services_of(request).db,
        lambda session: bulk.mark_read(session, viewer, _ids(body), bool(was_read), _folder(body)),
    )
    return json_response(True)


async def mark_as_favorite(request: Request) -> Response:
    """Set (isFavorite true, the default) or clear the Important flag; all or nothing."""
    viewer = await viewer_of(request, UPDATE)
    body = await _object(request)
    important = as_bool(field(body, "isFavorite"), "isFavorite", default=True)
    await run_write(
        services_of(request).db,
        lambda session: bulk.mark_important(session, viewer, _ids(body), bool(important), _folder(body)),
    )
    return json_response(True)


async def delete(request: Request) -> Response:
    """Delete messages: to Trash, or for good when they are in Trash; all or nothing."""
    viewer = await viewer_of(request, DELETE)
    body = await _object(request)
    await run_write(
        services_of(request).db, lambda session: bulk.delete_messages(session, viewer, _ids(body), _folder(body), False)
    )
    return json_response(True)


async def move_message(request: Request) -> Response:
    """Move messages from fromId (when given, it must hold them all) to toId; all or nothing."""
    viewer = await viewer_of(request, UPDATE)
    body = await _object(request)
    to = as_int(field(body, "toId"), "toId", required=True)
    await run_write(
        services_of(request).db,
        lambda session: bulk.move_messages(session, viewer, _ids(body), str(to), _folder(body, "fromId")),
    )
    return json_response(True)


async def attachment(request: Request) -> Response:
    """The bytes of the attachment FileName of message Id (or Ids) in folder folderId."""
    viewer = await viewer_of(request, READ)
    params = dict(request.query_params.items())
    message = as_ids(field(params, "Id") or field(params, "Ids"), "Id")
    if len(message) != 1:
        raise BadUserInput("Id names one message", argument="Id")
    file_name = as_str(field(params, "FileName"), "FileName")
    if not file_name:
        raise BadUserInput("FileName is required", argument="FileName")
    async with services_of(request).db.read() as session:
        rec, data = await attachment_by_name(session, viewer, message[0], file_name, _folder(params))
    return Response(
        data,
        headers={
            "content-type": safe_media_type(rec.mime_type),
            "content-disposition": content_disposition(rec.file_name),
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
            "cache-control": "private, max-age=300",
        },
    )


def _op(method: str, path: str, handler: Any, summary: str, permission: ApiPermission | None, **more: Any) -> Operation:
    responses = more.pop("responses", {200: ("application/json", s.TRUE)})
    errors = dict.fromkeys((400, 401, 403, 404, 500), ("application/json", s.ERROR))
    return Operation(
        method,
        path,
        endpoint(handler, error_body),
        summary,
        TAG,
        permission.name if permission else None,
        responses={**responses, **errors},
        **more,
    )


OPERATIONS = [
    _op(
        "POST",
        "/api/v2/auth/Login",
        login,
        "Sign in: AuthToken is the Authorization header of every other request",
        None,
        request=s.LOGIN_REQUEST,
        responses={200: ("application/json", s.LOGIN_RESPONSE), 429: ("application/json", s.ERROR)},
    ),
    _op(
        "POST",
        "/api/v1/email/Send",
        send,
        "Send a message (Id: the draft to send)",
        CREATE,
        request=s.SEND_REQUEST,
        responses={200: ("application/json", s.MESSAGE)},
    ),
    _op(
        "POST",
        "/api/v1/email/Messages",
        messages,
        "List a folder's messages with filters",
        READ,
        request=s.MESSAGES_REQUEST,
        responses={200: ("application/json", s.MESSAGES_RESPONSE)},
    ),
    _op("POST", "/api/v1/email/MarkAsRead", mark_as_read, "Mark read or unread", UPDATE, request=s.MARK_READ_REQUEST),
    _op(
        "POST",
        "/api/v1/email/MarkAsFavorite",
        mark_as_favorite,
        "Set or clear Important",
        UPDATE,
        request=s.MARK_FAVORITE_REQUEST,
    ),
    _op("POST", "/api/v1/email/Delete", delete, "Delete messages", DELETE, request=s.DELETE_REQUEST),
    _op("POST", "/api/v1/email/MoveMessage", move_message, "Move messages", UPDATE, request=s.MOVE_REQUEST),
    _op(
        "GET",
        "/api/v1/email/Attachments",
        attachment,
        "Download an attachment of a message",
        READ,
        parameters=[
            query_param("folderId", s.INT, "The folder of the message"),
            query_param("Id", s.INT, "The message (Ids is accepted too)"),
            query_param("Ids", s.INT, "The message, as the document's table names it"),
            query_param("FileName", s.STR, "The attachment's file name", required=True),
        ],
        responses={200: ("application/octet-stream", None)},
    ),
]
