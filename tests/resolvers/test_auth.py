"""Sign-in pieces below GraphQL: the Authorization header and token lookup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import ApiPermission, AuthToken, table_of
from resolvers import auth
from resolvers.services import AuthPolicy
from tests.utils.factories import PASSWORD, make_user, viewer_of

TOKENS = table_of(AuthToken)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER   abc  ", "abc"),
        ("abc", "abc"),
        ("  abc ", "abc"),
        ("Bearer", "Bearer"),
        ("", None),
        (None, None),
        ("   ", None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert auth.bearer_token(header) == token


async def test_viewer_for_token(db: Database) -> None:
    user = await make_user(db, "user_test")
    tokens = await auth.login(db, "user_test", PASSWORD, AuthPolicy(), client="10.0.0.1")
    viewer = await auth.viewer_for_token(db, tokens.access_token)
    assert viewer is not None and viewer.user_id == user.id and viewer.permissions == ApiPermission.ALL
    assert await auth.viewer_for_token(db, tokens.refresh_token) is None  # not an access token
    assert await auth.viewer_for_token(db, None) is None
    assert await auth.viewer_for_token(db, "x" * 10_000) is None


async def test_api_token_use_is_noted_once_a_minute(db: Database) -> None:
    user = await make_user(db, "user_test")
    async with db.write() as session:
        secret, record = await auth.create_api_token(
            session, viewer_of(user), "reader", ApiPermission.READ, auth.utcnow() + timedelta(days=1)
        )
    viewer = await auth.viewer_for_token(db, secret)
    assert viewer is not None and viewer.permissions == ApiPermission.READ and viewer.token_id == record.id

    async def last_used() -> object:
        async with db.read() as session:
            return (await session.execute(select(TOKENS.c.last_used_at).where(TOKENS.c.id == record.id))).scalar()

    first = await last_used()
    assert first is not None
    await auth.viewer_for_token(db, secret)
    assert await last_used() == first  # within the resolution: a read, no write


async def test_rate_limited_carries_retry_after(db: Database) -> None:
    await make_user(db, "user_test")
    policy = AuthPolicy(login_failures_allowed=2, login_lockout=120)
    for _ in range(2):
        with pytest.raises(auth.Unauthenticated):
            await auth.login(db, "user_test", "wrong password", policy)
    with pytest.raises(auth.RateLimited) as caught:
        await auth.login(db, "user_test", PASSWORD, policy)
    assert 0 < caught.value.extensions["retryAfter"] <= 120


async def test_overlong_password_is_refused_without_hashing(db: Database) -> None:
    await make_user(db, "user_test")
    with pytest.raises(auth.Unauthenticated):
        await auth.login(db, "user_test", PASSWORD + "x" * 5000, AuthPolicy())
