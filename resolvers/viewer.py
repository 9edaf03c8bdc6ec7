"""Who is asking, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import ApiPermission
from resolvers.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user behind a request, with the permissions of its token."""

    user_id: int
    permissions: ApiPermission
    token_id: int | None = None
    session_id: str | None = None

    def require(self, permission: ApiPermission) -> Viewer:
        """This viewer, when its token carries ``permission``; else FORBIDDEN."""
        if permission not in self.permissions:
            raise Forbidden(f"this token does not carry the {permission.name} permission")
        return self
