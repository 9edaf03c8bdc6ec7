"""One REST operation: its route and its OpenAPI description, declared together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.rest.common import Handler


@dataclass(frozen=True, slots=True)
class Operation:
    """``method path`` served by ``handler``; the rest describes it in the OpenAPI document."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    #: The mailgate token permission it needs (None: no token, as R7's login).
    permission: str | None
    request: dict[str, Any] | None = None
    #: status -> (media type, schema); the schema None for a body that is a file.
    responses: dict[int, tuple[str, dict[str, Any] | None]] = field(default_factory=dict)
    parameters: list[dict[str, Any]] = field(default_factory=list)
    #: Media type of the request body.
    request_type: str = "application/json"
    description: str = ""


def query_param(name: str, schema: dict[str, Any], description: str = "", *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def path_param(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}
