"""The GraphQL view: builds each request's context and encodes answers with orjson."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app.events import EventBus
from app.limits import BodyTooLarge
from resolvers.auth import bearer_token, viewer_for_token
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.viewer import Viewer
from schema.build import MailgateSchema
from schema.context import Context
from schema.errors import INTERNAL_MESSAGE, coded
from schema.subscriptions import EVENTS_KEY, SocketContext, connection_token

log = logging.getLogger("mailgate.errors")

#: A request id a client sends is kept only when it is short and plain (it goes into logs).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_of(request: Request | WebSocket) -> str:
    given = request.headers.get("x-request-id")
    if given and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex[:16]


def error_body(message: str, code: str, **extensions: Any) -> bytes:
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code, **extensions}}]})


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go out as text frames (orjson gives bytes, which would be binary)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class MailgateGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with mailgate's context.

    Every answer is GraphQL JSON with ``extensions.code``: a request that cannot be
    run (bad JSON, no query, a mutation over GET) keeps its 4xx status with
    BAD_USER_INPUT; a failure outside execution is INTERNAL_SERVER_ERROR with a
    request id, logged, never a trace.
    """

    def __init__(
        self, schema: MailgateSchema, services: Services, *, graphiql: bool = True, events: EventBus | None = None
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
        )
        self.services = services
        self.events = events

    websocket_adapter_class = TextWebSocketAdapter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            # The request's reads share one connection, given back before the answer is sent.
            async with self.services.db.request():
                response = await self.run(request)
        except HTTPException as error:
            status = error.status_code
            if status == 400 and request.method == "GET" and "not allowed" in error.reason:
                status = 405  # GraphQL over HTTP: a mutation over GET is Method Not Allowed
            response = Response(
                error_body(error.reason, "BAD_USER_INPUT"),
                status_code=status,
                media_type="application/json",
                headers={"allow": "POST"} if status == 405 else None,
            )
        except BodyTooLarge:
            raise  # RequestSizeLimit answers 413
        except Exception:
            request_id = scope.get("state", {}).get("request_id") or request_id_of(request)
            log.exception("request failed before GraphQL could answer it (request %s)", request_id)
            response = Response(
                error_body(INTERNAL_MESSAGE, "INTERNAL_SERVER_ERROR", requestId=request_id),
                status_code=500,
                media_type="application/json",
                headers={"x-request-id": request_id},
            )
        await response(scope, receive, send)

    async def viewer_for(self, token: str | None) -> Viewer | None:
        return await viewer_for_token(self.services.db, token, self.services.tokens)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        request_id = request_id_of(request)
        request.scope.setdefault("state", {})["request_id"] = request_id
        token = bearer_token(request.headers.get("authorization"))
        viewer = await self.viewer_for(token)
        if isinstance(response, Response):
            response.headers["x-request-id"] = request_id
        context_class = SocketContext if isinstance(request, WebSocket) else Context
        context = context_class(
            services=self.services,
            loaders=Loaders(self.services.db, viewer.user_id if viewer else None),
            viewer=viewer,
            request_id=request_id,
            token=token,
            request=request,
            response=response,
            client_address=request.client.host if request.client else None,
        )
        context.state[EVENTS_KEY] = self.events
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Sign the socket in with the connection_init payload's token; no valid token, no socket."""
        params = getattr(context, "connection_params", None)
        token = connection_token(params) or context.token
        viewer = await self.viewer_for(token) if token else None
        if viewer is None:
            raise ConnectionRejectionError({"message": "a valid token is needed in the connection_init payload"})
        context.viewer, context.token = viewer, token
        context.loaders = Loaders(self.services.db, viewer.user_id)
        return UNSET

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """The answer. Errors raised by an extension hook (a syntax error met by the
        ParserCache, say) skip the ErrorCodes extension: they are coded here, the same way.
        Schema.process_errors has logged them already."""
        if result.errors:
            request_id = request.scope.get("state", {}).get("request_id")
            result.errors = [
                e if (e.extensions or {}).get("code") and e.original_error is None else coded(e, request_id)
                for e in result.errors
            ]
        return await super().process_result(request, result)

    def encode_json(self, data: Any) -> bytes:
        return orjson.dumps(data)
