"""The GraphQL view: builds each request's context and encodes answers with orjson."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from resolvers.auth import authenticate, bearer_token
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.viewer import Viewer
from schema.build import MailgateSchema
from schema.context import Context


class MailgateGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with mailgate's context."""

    def __init__(self, schema: MailgateSchema, services: Services, *, graphiql: bool = True) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=True,
        )
        self.services = services

    async def viewer_for(self, token: str | None) -> Viewer | None:
        if not token:
            return None
        async with self.services.db.read() as session:
            return await authenticate(session, token)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        token = bearer_token(request.headers.get("authorization"))
        viewer = await self.viewer_for(token)
        if isinstance(response, Response):
            response.headers["x-request-id"] = request_id
        return Context(
            services=self.services,
            loaders=Loaders(self.services.db, viewer.user_id if viewer else None),
            viewer=viewer,
            request_id=request_id,
            token=token,
            request=request,
            response=response,
            client_address=request.client.host if request.client else None,
        )

    def encode_json(self, data: Any) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)
