"""Tokens and edges: refresh-token reuse, who may introspect, clients behind a proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.proxies import client_address, parse_networks
from app.settings import Settings
from db.engine import Database
from resolvers.services import Services
from tests.utils.factories import PASSWORD, make_user
from tests.utils.graphql import Client

LOGIN = "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken refreshToken } }"
REFRESH = "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken } }"
ME = "{ me { login } }"
INTROSPECT = "{ __schema { queryType { name } } }"


@asynccontextmanager
async def served(settings: Settings, services: Services, **changes: Any) -> AsyncIterator[Client]:
    """A client of an app built with ``settings`` changed as given."""
    app = create_app(settings.model_copy(update=changes), services)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Client(http)


async def test_a_reused_refresh_token_revokes_its_whole_session(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    first = (await client.data(LOGIN, {"l": "user_test", "p": PASSWORD}))["login"]
    second = (await client.data(REFRESH, {"r": first["refreshToken"]}))["refreshToken"]
    third = (await client.data(REFRESH, {"r": second["refreshToken"]}))["refreshToken"]
    assert (await client.as_user(third["accessToken"]).data(ME))["me"] == {"login": "user_test"}

    # Someone replays the first refresh token, rotated long ago.
    assert await client.error_codes(REFRESH, {"r": first["refreshToken"]}) == ["UNAUTHENTICATED"]

    # Every token of that session is dead now, the rightful client's newest ones too.
    assert (await client.as_user(third["accessToken"]).data(ME))["me"] is None
    assert await client.error_codes(REFRESH, {"r": third["refreshToken"]}) == ["UNAUTHENTICATED"]
    # Another session of the same user is not touched.
    other = (await client.data(LOGIN, {"l": "user_test", "p": PASSWORD}))["login"]
    assert (await client.as_user(other["accessToken"]).data(ME))["me"] == {"login": "user_test"}


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("mode", "anonymous", "signed_in"),
    [("on", None, None), ("signed-in", "UNAUTHENTICATED", None), ("off", "FORBIDDEN", "FORBIDDEN")],
)
async def test_introspection_follows_its_setting(
    db: Database, settings: Settings, services: Services, mode: str, anonymous: str | None, signed_in: str | None
) -> None:
    await make_user(db, "user_test")
    async with served(settings, services, introspection=mode) as anon:
        me = await anon.login("user_test")
        for who, expected in ((anon, anonymous), (me, signed_in)):
            body = await who.execute(INTROSPECT)
            codes = [e["extensions"]["code"] for e in body.get("errors") or []]
            assert codes == ([expected] if expected else []), (mode, who.token)
            # __typename is never introspection: clients need it.
            assert (await who.data("{ __typename }")) == {"__typename": "Query"}


def test_the_client_behind_trusted_proxies_is_the_last_untrusted_hop() -> None:
    trusted = parse_networks("10.0.0.0/8, 127.0.0.1")
    assert client_address("127.0.0.1", ["203.0.113.9, 10.1.2.3"], trusted) == "203.0.113.9"
    # What the client wrote itself (the left-most hops) is not believed.
    assert client_address("127.0.0.1", ["1.1.1.1, 203.0.113.9"], trusted) == "203.0.113.9"
    assert client_address("127.0.0.1", ["1.1.1.1", "203.0.113.9, 10.0.0.7"], trusted) == "203.0.113.9"
    # An untrusted peer keeps its own address whatever it claims.
    assert client_address("198.51.100.4", ["203.0.113.9"], trusted) == "198.51.100.4"
    assert client_address("127.0.0.1", ["not an address"], trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", ["[2001:db8::1]:443"], trusted) == "2001:db8::1"
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/33")


async def _attempts(client: Client, forwarded_for: str, logins: list[str], password: str) -> list[list[str]]:
    codes = []
    for name in logins:
        response = await client.raw(LOGIN, {"l": name, "p": password}, **{"x-forwarded-for": forwarded_for})
        codes.append([e["extensions"]["code"] for e in response.json().get("errors") or []])
    return codes


@pytest.mark.sqlite_only
async def test_the_login_throttle_counts_each_client_behind_a_trusted_proxy(
    db: Database, settings: Settings, services: Services
) -> None:
    await make_user(db, "user_test")
    services.auth = replace(services.auth, login_address_failures_allowed=3)
    strangers = ["nobody1", "nobody2", "nobody3"]
    async with served(settings, services, trusted_proxies="127.0.0.1") as anon:
        assert await _attempts(anon, "203.0.113.9", strangers, "x") == [["UNAUTHENTICATED"]] * 3
        # That address is locked out; another client behind the same proxy is not.
        assert await _attempts(anon, "203.0.113.9", ["user_test"], PASSWORD) == [["RATE_LIMITED"]]
        assert await _attempts(anon, "198.51.100.4", ["user_test"], PASSWORD) == [[]]
    # Without trusting the proxy, X-Forwarded-For is ignored: the proxy's address is the client.
    async with served(settings, services) as anon:
        assert await _attempts(anon, "192.0.2.1", strangers, "x") == [["UNAUTHENTICATED"]] * 3
        assert await _attempts(anon, "192.0.2.77", ["user_test"], PASSWORD) == [["RATE_LIMITED"]]
