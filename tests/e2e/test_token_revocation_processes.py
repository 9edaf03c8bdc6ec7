"""A token revoked in one process is refused by every other one at once, cache or no cache.

Two uvicorn servers on one PostgreSQL database, each keeping tokens' viewers in
its cache. A logout, a revokeApiToken or a refresh made through process 2 is
published with its commit (NOTIFY inside the transaction); process 1 drops the
token before the client hears back from process 2, so its very next request
with the token is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from db.engine import Database
from db.models import AuthToken, table_of
from db.types import utcnow
from tests.utils.factories import make_user
from tests.utils.process_pair import Server, e2e_database, two_servers

pytestmark = pytest.mark.slow

LOGIN = 'mutation { login(login: "user_test", password: "TestPassword") { accessToken refreshToken } }'
ME = "{ me { login } }"
FOLDERS = "{ folders { name } }"
#: Long enough that only a revocation, never an expiry, can empty the cache during the test.
CACHE_SECONDS = "120"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    yield from e2e_database("mailgate_e2e_tokens", "e2e revocation test")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    tmp: Path = tmp_path_factory.mktemp("e2e-tokens")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MAILGATE_TOKEN_CACHE_SECONDS", CACHE_SECONDS)
        pair = two_servers(database_url, tmp)
        started = next(pair)  # the processes take the environment as it is now
    try:
        yield started
    finally:
        pair.close()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def ask(http: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=10)
    return dict(response.json())


def codes(answer: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in answer.get("errors", [])]


async def test_revocations_reach_the_other_process_at_once(servers: tuple[Server, Server], db: Database) -> None:
    first, second = servers
    await make_user(db, "user_test")
    async with httpx.AsyncClient(base_url=first.http) as p1, httpx.AsyncClient(base_url=second.http) as p2:
        # 1. Logout. The token signs in on process 1, which caches it.
        session = (await ask(p2, LOGIN))["data"]["login"]
        token = session["accessToken"]
        assert (await ask(p1, ME, token))["data"]["me"]["login"] == "user_test"
        # Revoked in the database behind both processes' backs: process 1 still serves it, from its cache.
        tokens = table_of(AuthToken)
        async with db.write() as s:
            await s.execute(update(tokens).where(tokens.c.session_id.is_not(None)).values(revoked_at=utcnow()))
        assert (await ask(p1, ME, token))["data"]["me"]["login"] == "user_test"
        # Logout through process 2 is published: process 1 refuses the token on the very next request.
        assert (await ask(p2, "mutation { logout }", token))["data"] == {"logout": True}
        assert codes(await ask(p1, FOLDERS, token)) == ["UNAUTHENTICATED"]

        # 2. revokeApiToken through process 2.
        session = (await ask(p2, LOGIN))["data"]["login"]
        created = await ask(
            p2,
            'mutation { createApiToken(name: "reader", permissions: [READ]) { token apiToken { id } } }',
            session["accessToken"],
        )
        api = created["data"]["createApiToken"]
        assert (await ask(p1, ME, api["token"]))["data"]["me"]["login"] == "user_test"
        revoked = await ask(
            p2, "mutation($id: ID!) { revokeApiToken(id: $id) }", session["accessToken"], id=api["apiToken"]["id"]
        )
        assert revoked["data"] == {"revokeApiToken": True}
        assert codes(await ask(p1, FOLDERS, api["token"])) == ["UNAUTHENTICATED"]

        # 3. A refresh through process 2 rotates the pair: the old access token stops on process 1.
        old = session["accessToken"]
        assert (await ask(p1, ME, old))["data"]["me"]["login"] == "user_test"
        rotated = await ask(
            p2, "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }", t=session["refreshToken"]
        )
        fresh = rotated["data"]["refreshToken"]["accessToken"]
        assert codes(await ask(p1, FOLDERS, old)) == ["UNAUTHENTICATED"]
        assert (await ask(p1, ME, fresh))["data"]["me"]["login"] == "user_test"
