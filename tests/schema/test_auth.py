"""Sign-in over HTTP: login, refresh, logout, expiry, the Authorization header."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.main import create_app, make_services
from app.settings import Settings
from db.engine import Database
from db.models import AuthToken, table_of
from db.types import utcnow
from tests.utils.factories import PASSWORD, make_user
from tests.utils.graphql import Client

LOGIN = """mutation($l: String!, $p: String!) {
  login(login: $l, password: $p) { accessToken refreshToken expiresAt user { id login email } }
}"""
REFRESH = """mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken expiresAt } }"""
ME = "{ me { login } }"
TOKENS = table_of(AuthToken)

AppFactory = Callable[..., AbstractAsyncContextManager[Client]]


async def login(client: Client, name: str, password: str = PASSWORD) -> dict[str, Any]:
    data = await client.as_user(None).data(LOGIN, {"l": name, "p": password})
    payload: dict[str, Any] = data["login"]
    return payload


@pytest.fixture
def app_with(settings: Settings, db: Database) -> AppFactory:
    """A client of an app whose settings differ from the default ones."""

    @asynccontextmanager
    async def factory(**changes: Any) -> AsyncIterator[Client]:
        changed = settings.model_copy(update=changes)
        app = create_app(changed, make_services(changed, db))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Client(http)

    return factory


async def test_login_by_login_and_by_email(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    by_login = await login(client, "user_test")
    assert by_login["user"] == {"id": str(user.id), "login": "user_test", "email": "siz_test@devr7.ru"}
    by_email = await login(client, "Siz_Test@devr7.ru")
    assert by_email["user"]["id"] == str(user.id)
    assert by_login["accessToken"] != by_email["accessToken"]
    for payload in (by_login, by_email):
        me = await client.as_user(payload["accessToken"]).data(ME)
        assert me == {"me": {"login": "user_test"}}


async def test_wrong_password_and_unknown_login_are_unauthenticated(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    anonymous = client.as_user(None)
    for name, password in (("user_test", "wrong password"), ("nobody", PASSWORD), ("user_test", "")):
        codes = await anonymous.error_codes(LOGIN, {"l": name, "p": password})
        assert codes == ["UNAUTHENTICATED"]


async def test_refresh_rotates_both_tokens(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    first = await login(client, "user_test")
    anonymous = client.as_user(None)
    second = (await anonymous.data(REFRESH, {"t": first["refreshToken"]}))["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert await client.as_user(second["accessToken"]).data(ME) == {"me": {"login": "user_test"}}
    # An access token is not a refresh token, and garbage is nothing.
    assert await anonymous.error_codes(REFRESH, {"t": second["accessToken"]}) == ["UNAUTHENTICATED"]
    assert await anonymous.error_codes(REFRESH, {"t": "garbage"}) == ["UNAUTHENTICATED"]
    # The new pair still works.
    third = (await anonymous.data(REFRESH, {"t": second["refreshToken"]}))["refreshToken"]
    assert await client.as_user(third["accessToken"]).data(ME) == {"me": {"login": "user_test"}}
    # The old refresh token is spent, and the old access token ended with it.
    assert await anonymous.error_codes(REFRESH, {"t": first["refreshToken"]}) == ["UNAUTHENTICATED"]
    assert await client.as_user(first["accessToken"]).data(ME) == {"me": None}
    assert await client.as_user(first["accessToken"]).error_codes("{ folders { id } }") == ["UNAUTHENTICATED"]
    # Issue 10: presenting a spent refresh token again revokes the whole session (reuse detection).
    assert await client.as_user(third["accessToken"]).data(ME) == {"me": None}


async def test_logout_revokes_the_token_and_its_refresh_token(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    session = await login(client, "user_test")
    other = await login(client, "user_test")
    me = client.as_user(session["accessToken"])
    assert await me.data("mutation { logout }") == {"logout": True}
    assert await me.data(ME) == {"me": None}
    assert await me.error_codes("{ folders { id } }") == ["UNAUTHENTICATED"]
    assert await me.error_codes("mutation { logout }") == ["UNAUTHENTICATED"]
    assert await client.as_user(None).error_codes(REFRESH, {"t": session["refreshToken"]}) == ["UNAUTHENTICATED"]
    # Another session of the same user goes on.
    assert await client.as_user(other["accessToken"]).data(ME) == {"me": {"login": "user_test"}}


async def test_logout_needs_a_token(client: Client) -> None:
    assert await client.as_user(None).error_codes("mutation { logout }") == ["UNAUTHENTICATED"]


async def test_access_token_expires(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    session = await login(client, "user_test")
    me = client.as_user(session["accessToken"])
    assert await me.data(ME) == {"me": {"login": "user_test"}}
    async with db.write() as s:
        await s.execute(
            update(TOKENS).where(TOKENS.c.kind == "access").values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await me.data(ME) == {"me": None}
    assert await me.error_codes("{ labels { id } }") == ["UNAUTHENTICATED"]
    # The refresh token outlives it and gives a working pair.
    fresh = (await client.as_user(None).data(REFRESH, {"t": session["refreshToken"]}))["refreshToken"]
    assert await client.as_user(fresh["accessToken"]).data(ME) == {"me": {"login": "user_test"}}


async def test_access_token_ttl_comes_from_settings(db: Database, app_with: AppFactory) -> None:
    await make_user(db, "user_test")
    async with app_with(access_token_ttl=0) as client:
        session = await login(client, "user_test")
        assert await client.as_user(session["accessToken"]).data(ME) == {"me": None}
    async with app_with(access_token_ttl=120) as client:
        session = await login(client, "user_test")
        assert await client.as_user(session["accessToken"]).data(ME) == {"me": {"login": "user_test"}}
        assert session["expiresAt"] > utcnow().isoformat()


async def test_expired_refresh_token_is_refused(db: Database, app_with: AppFactory) -> None:
    await make_user(db, "user_test")
    async with app_with(refresh_token_ttl=0) as client:
        session = await login(client, "user_test")
        assert await client.as_user(None).error_codes(REFRESH, {"t": session["refreshToken"]}) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("form", ["Bearer {}", "bearer {}", "{}", "  Bearer   {}  "])
async def test_authorization_header_forms(db: Database, http: httpx.AsyncClient, form: str) -> None:
    await make_user(db, "user_test")
    session = await login(Client(http), "user_test")
    response = await http.post(
        "/graphql", json={"query": ME}, headers={"authorization": form.format(session["accessToken"])}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"login": "user_test"}}}


async def test_no_token_or_a_bad_one(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    for token in (None, "nonsense", "Bearer"):
        who = client.as_user(token)
        assert await who.data(ME) == {"me": None}
        for query in ("{ folders { id } }", "{ apiTokens { id } }", "{ messages { totalCount } }"):
            assert await who.error_codes(query) == ["UNAUTHENTICATED"], (token, query)


async def test_login_and_refresh_need_no_token(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    # A stale token on the request does not get in the way of signing in again.
    stale = client.as_user("stale-token")
    payload = (await stale.data(LOGIN, {"l": "user_test", "p": PASSWORD}))["login"]
    assert (await stale.data(REFRESH, {"t": payload["refreshToken"]}))["refreshToken"]["accessToken"]
