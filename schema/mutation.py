"""Mutations for sessions and tokens."""

from __future__ import annotations

import functools
import operator
from datetime import datetime

import strawberry

from db.models import ApiPermission
from resolvers import auth
from resolvers.errors import Unauthenticated
from schema.context import Info
from schema.enums import Permission
from schema.query import api_token
from schema.types.user import AuthPayload, NewApiToken, User


def _payload(tokens: auth.SessionTokens) -> AuthPayload:
    return AuthPayload(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        user=User.from_record(tokens.user),
    )


def _remembered(info: Info, tokens: auth.SessionTokens) -> auth.SessionTokens:
    """A new session's access token signs its first request in without a lookup."""
    info.context.services.tokens.put(auth.token_hash(tokens.access_token), tokens.viewer, tokens.expires_at)
    return tokens


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Exchange a login and password for tokens. Repeated failures are RATE_LIMITED.")
    async def login(self, info: Info, login: str, password: str) -> AuthPayload:
        ctx = info.context
        tokens = await auth.login(ctx.db, login, password, ctx.services.auth, client=ctx.client_address)
        return _payload(_remembered(info, tokens))

    @strawberry.mutation(description="Exchange a refresh token for new tokens; the old refresh token stops working.")
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        async with info.context.db.write() as session:
            tokens = await auth.refresh(session, refresh_token, info.context.services.auth)
        return _payload(_remembered(info, tokens))  # committed: the new token exists

    @strawberry.mutation(description="Revoke the token this request carries.")
    async def logout(self, info: Info) -> bool:
        viewer = info.context.viewer
        if viewer is None:  # any token may end itself, whatever its permissions
            raise Unauthenticated("sign in first: send Authorization: Bearer <token>")
        async with info.context.db.write() as session:
            return await auth.logout(session, viewer)

    @strawberry.mutation(
        description="A long-lived token limited to some permissions; its secret is shown once. (CREATE)"
    )
    async def create_api_token(
        self, info: Info, name: str, permissions: list[Permission], expires_at: datetime | None = None
    ) -> NewApiToken:
        viewer = info.context.require(ApiPermission.CREATE)
        wanted = functools.reduce(operator.or_, (ApiPermission[p.value] for p in permissions), ApiPermission(0))
        async with info.context.db.write() as session:
            secret, rec = await auth.create_api_token(session, viewer, name, wanted, expires_at)
        return NewApiToken(token=secret, api_token=api_token(rec))

    @strawberry.mutation
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> bool:
        viewer = info.context.require(ApiPermission.DELETE)
        async with info.context.db.write() as session:
            return await auth.revoke_api_token(session, viewer, str(id))
