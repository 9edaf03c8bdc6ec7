"""Users and tokens."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.records import UserRecord
from schema.context import Info
from schema.enums import Permission


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    login: str
    name: str
    email: str

    @classmethod
    def from_record(cls, rec: UserRecord) -> User:
        return cls(id=strawberry.ID(str(rec.id)), login=rec.login, name=rec.name, email=rec.email)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> User | None:
        from resolvers.errors import parse_id

        if info.context.viewer is None:
            return None
        try:
            rec = await info.context.loaders.user.load(parse_id(id, "User"))
        except Exception:  # a malformed id resolves to nothing, as a missing one
            return None
        return cls.from_record(rec) if rec else None


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: User


@strawberry.type
class ApiToken:
    id: strawberry.ID
    name: str
    permissions: list[Permission]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


@strawberry.type
class NewApiToken:
    token: str
    api_token: ApiToken
