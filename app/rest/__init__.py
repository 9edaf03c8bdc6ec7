"""The REST edges beside the GraphQL view: the R7 mail API and the ibizlab mail_thread API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.rest import mail_thread, mail_thread_actions, mail_thread_files, r7
from app.rest.common import json_response
from app.rest.openapi import openapi_document
from app.rest.operation import Operation

OPENAPI_PATH = "/api/openapi.json"


def operations() -> list[Operation]:
    """Every REST operation, in the order the documents list them."""
    return [*r7.OPERATIONS, *mail_thread.OPERATIONS, *mail_thread_actions.OPERATIONS, *mail_thread_files.OPERATIONS]


def rest_routes() -> list[Route]:
    """The routes of both edges and of their OpenAPI document, for the app's route list."""
    ops = operations()
    document = openapi_document(ops)

    async def openapi(_request: Request) -> Response:
        return json_response(document)

    # A fixed path before a templated one: /mail_threads/get_draft is not the thread "get_draft".
    ordered = sorted(ops, key=lambda op: "{" in op.path)
    routes = [Route(op.path, op.handler, methods=[op.method]) for op in ordered]
    return [*routes, Route(OPENAPI_PATH, openapi, methods=["GET"])]
