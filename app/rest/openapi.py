"""The OpenAPI 3.1 document of the REST edges, built from their operations."""

from __future__ import annotations

from typing import Any

from app.rest.operation import Operation

_SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "A token from /api/v2/auth/Login or the GraphQL login, bare or as `Bearer <token>`.",
}


def _operation(op: Operation) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": f"{op.tag.replace(' ', '_')}.{op.method.lower()}.{op.path}",
        "summary": op.summary,
        "tags": [op.tag],
        "responses": {},
    }
    if op.description:
        described["description"] = op.description
    if op.permission is not None:
        described["security"] = [{"token": []}]
        described["x-permission"] = op.permission
    else:
        described["security"] = []
    if op.parameters:
        described["parameters"] = op.parameters
    if op.request is not None:
        described["requestBody"] = {"required": False, "content": {op.request_type: {"schema": op.request}}}
    for status, (media, schema) in sorted(op.responses.items()):
        content = {media: {"schema": schema if schema is not None else {"type": "string", "format": "binary"}}}
        described["responses"][str(status)] = {"description": _STATUS_TEXT.get(status, "answer"), "content": content}
    return described


_STATUS_TEXT = {
    200: "OK",
    302: "Found: the file's signed link",
    303: "See Other: the file's signed link",
    400: "Bad request (BAD_USER_INPUT)",
    401: "Unauthorized: no valid token",
    403: "Forbidden: the token lacks the permission",
    404: "Not found: missing, or someone else's",
    409: "Conflict",
    413: "Payload too large",
    429: "Too many failed logins",
    500: "Internal server error",
}


def openapi_document(operations: list[Operation]) -> dict[str, Any]:
    """OpenAPI 3.1 over ``operations``: every path, method, permission and body they declare."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mailgate REST edges",
            "version": "1",
            "description": "The R7 mail API and the ibizlab mail_thread API, served over the same "
            "operations as mailgate's GraphQL schema (/graphql).",
        },
        "paths": paths,
        "components": {"securitySchemes": {"token": _SECURITY_SCHEME}},
    }
