"""The GraphQL view: builds each request's context and encodes answers with orjson."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app.batching import BatchingMixin
from app.events import EventBus
from app.graphiql import graphiql_response
from app.limits import BodyTooLarge
from app.oplog import ObservedMixin
from resolvers.auth import bearer_token, viewer_for_token
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.viewer import Viewer
from schema.build import MailgateSchema
from schema.context import Context
from schema.errors import INTERNAL_MESSAGE, coded
from schema.execution.persisted import PersistedDocuments, PersistedQueryError
from schema.subscriptions import SocketContext, connection_token

log = logging.getLogger("mailgate.errors")

#: Where parse_http_body leaves the reason a persisted query cannot run, for ``refusal``.
_REFUSED = "mailgate.refused"

#: A request id a client sends is kept only when it is short and plain (it goes into logs).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_of(request: Request | WebSocket) -> str:
    given = request.headers.get("x-request-id")
    if given and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex[:16]


RequestData = GraphQLRequestData | list[GraphQLRequestData]

#: The body of the request being answered, read once before sign-in (see MailgateGraphQL.run).
_request_data: ContextVar[RequestData | None] = ContextVar("mailgate_request_data", default=None)


def error_body(message: str, code: str, **extensions: Any) -> bytes:
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code, **extensions}}]})


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go out as text frames (orjson gives bytes, which would be binary)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class MailgateGraphQL(BatchingMixin, ObservedMixin, GraphQL[Context, None]):
    """Strawberry's ASGI view with mailgate's context.

    Every answer is GraphQL JSON with ``extensions.code``: a request that cannot be
    run (bad JSON, no query, a mutation over GET) keeps its 4xx status with
    BAD_USER_INPUT; a failure outside execution is INTERNAL_SERVER_ERROR with a
    request id, logged, never a trace.
    """

    def __init__(
        self,
        schema: MailgateSchema,
        services: Services,
        *,
        graphiql: bool = True,
        events: EventBus | None = None,
        persisted: PersistedDocuments | None = None,
        max_batch: int = 10,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
            allowed_origins=allowed_origins,  # pages that may open a subscription socket
        )
        self.services = services
        self.events = events
        self.persisted = persisted or PersistedDocuments()
        self.schema: MailgateSchema = schema
        self.max_batch = max_batch

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

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Answer a request; over HTTP, a document that cannot run is refused before anyone signs in.

        The body is read, persisted queries are resolved and each document is prepared
        (parsed, costed, validated: once per distinct document, see DocumentCache) before
        Strawberry builds the context, so a hostile document costs no sign-in and no
        database work. When every operation of the request is refused, that is the answer.
        """
        if not isinstance(request, Request) or context is not UNSET:
            return await super().run(request, context, root_value)
        adapter = self.request_adapter_class(request)
        content_type = request.headers.get("content-type", "")
        if (
            not self.is_request_allowed(adapter)
            or self.should_render_graphql_ide(adapter)
            or content_type.startswith("multipart/")
        ):
            return await super().run(request, context, root_value)
        data = await self.parse_http_body(adapter)
        refusals = [
            self.persisted_refusal(item) or self.document_refusal(item)
            for item in (data if isinstance(data, list) else [data])
        ]
        if all(r is not None for r in refusals):
            sub_response = await self.get_sub_response(request)
            answers = [await self.process_result(request, r) for r in refusals if r is not None]
            return self.create_response(answers if isinstance(data, list) else answers[0], sub_response)
        token = _request_data.set(data)
        try:
            return await super().run(request, context, root_value)
        finally:
            _request_data.reset(token)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> RequestData:
        """The request's operations, with persisted queries replaced by their text."""
        data = _request_data.get()
        if data is not None:
            return data
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            try:
                item.query = self.persisted.resolve(item.query, item.extensions)
            except PersistedQueryError as error:
                item.extensions = {**(item.extensions or {}), _REFUSED: error}
        return data

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A persisted query over GET has extensions and no query: it is not a visit to GraphiQL.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    @staticmethod
    def persisted_refusal(item: GraphQLRequestData) -> ExecutionResult | None:
        """The answer to a persisted query that cannot run (unknown, not trusted, a wrong hash)."""
        error = (item.extensions or {}).get(_REFUSED)
        if isinstance(error, PersistedQueryError):
            return ExecutionResult(data=None, errors=[GraphQLError(error.message, extensions={"code": error.code})])
        return None

    def document_refusal(self, item: GraphQLRequestData) -> ExecutionResult | None:
        """The answer to a document over a limit or invalid (prepared once, then cached)."""
        if not item.query:
            return None  # Strawberry answers 400
        prepared = self.schema.documents.prepare(item.query)
        return ExecutionResult(data=None, errors=list(prepared.errors)) if prepared.errors else None

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One operation: refused as above, or run by the schema (see MailgateSchema.execute)."""
        refused = self.persisted_refusal(request_data)
        if refused is not None:
            return refused
        return await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)

    async def render_graphql_ide(self, request: Request) -> Response:
        """mailgate's own GraphiQL page (app/graphiql.py), not Strawberry's CDN one."""
        return graphiql_response()

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
        context.events = self.events
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
