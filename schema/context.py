"""The per-request context every resolver sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import strawberry

from db.models import ApiPermission
from resolvers.errors import Unauthenticated
from resolvers.events import EventHub
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.viewer import Viewer

if TYPE_CHECKING:
    from db.engine import Database
    from resolvers.links import LinkSigner


@dataclass(slots=True)
class Context:
    """Who asks, with fresh loaders; built by the GraphQL view for each request."""

    services: Services
    loaders: Loaders
    viewer: Viewer | None
    request_id: str
    token: str | None = None
    request: Any = None
    response: Any = None
    client_address: str | None = None
    #: The process's event bus (subscriptions, job progress); None where the server runs none.
    events: EventHub | None = None
    #: The operation's name and type, noted once its document is parsed (for the log line and metrics).
    operation: tuple[str | None, str | None] | None = None
    #: Which executor answered the operation: "generic" (graphql-core) or "compiled".
    executor: str = "generic"

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def links(self) -> LinkSigner:
        return self.services.links

    def require(self, permission: ApiPermission) -> Viewer:
        """The viewer, when signed in with a token that carries ``permission``."""
        if self.viewer is None:
            raise Unauthenticated("sign in first: send Authorization: Bearer <token>")
        return self.viewer.require(permission)

    # Strawberry's default context is a dict; some of its extensions ask for keys.
    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


Info = strawberry.Info[Context, None]
