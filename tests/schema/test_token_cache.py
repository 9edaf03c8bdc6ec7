"""Sign-in from the process's token cache, and revocations that empty it at once.

(Across processes: tests/e2e/test_token_revocation_processes.py.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.settings import Settings
from db.engine import Database
from db.models import AuthToken, table_of
from db.types import utcnow
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting

TOKENS = table_of(AuthToken)
ME = "{ me { login } }"
FOLDERS = "{ folders { name } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"token_cache_seconds": 60.0})


async def expire_every_token(db: Database) -> None:
    """Behind the app's back: only a lookup would notice."""
    async with db.write() as session:
        await session.execute(update(TOKENS).values(expires_at=utcnow() - timedelta(seconds=1)))


async def test_a_warm_token_signs_in_without_a_lookup(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    with counting(db) as statements:
        assert await me.data(ME) == {"me": {"login": "user_test"}}
    assert not [s for s in statements if "auth_tokens" in s], statements
    await expire_every_token(db)
    assert await me.data(ME) == {"me": {"login": "user_test"}}  # served from the cache, as documented


async def test_logout_empties_the_cache_at_once(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    assert await me.data(ME) == {"me": {"login": "user_test"}}
    assert await me.data("mutation { logout }") == {"logout": True}
    assert await me.error_codes(FOLDERS) == ["UNAUTHENTICATED"]


async def test_a_revoked_api_token_is_refused_at_once(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    created = (await me.data('mutation { createApiToken(name: "r", permissions: [READ]) { token apiToken { id } } }'))[
        "createApiToken"
    ]
    reader = me.as_user(created["token"])
    assert await reader.data(ME) == {"me": {"login": "user_test"}}
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) }"
    assert await me.data(revoke, {"id": created["apiToken"]["id"]}) == {"revokeApiToken": True}
    assert await reader.error_codes(FOLDERS) == ["UNAUTHENTICATED"]
    assert await me.data(ME) == {"me": {"login": "user_test"}}  # the session's own token is not touched


async def test_a_refresh_retires_the_old_access_token_at_once(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    pair = (
        await client.data(
            'mutation { login(login: "user_test", password: "TestPassword") { accessToken refreshToken } }'
        )
    )["login"]
    old = client.as_user(pair["accessToken"])
    assert await old.data(ME) == {"me": {"login": "user_test"}}
    refresh = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }"
    fresh = (await client.data(refresh, {"t": pair["refreshToken"]}))["refreshToken"]["accessToken"]
    assert await old.error_codes(FOLDERS) == ["UNAUTHENTICATED"]
    assert await client.as_user(fresh).data(ME) == {"me": {"login": "user_test"}}


async def test_a_failed_revocation_revokes_nothing(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    assert await me.error_codes("mutation { revokeApiToken(id: 999) }") == ["NOT_FOUND"]
    assert await me.data(ME) == {"me": {"login": "user_test"}}
