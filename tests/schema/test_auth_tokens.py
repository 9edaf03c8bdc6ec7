"""API tokens over HTTP: a subset of permissions, shown once, revocable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from db.engine import Database
from db.models import AuthToken, table_of
from db.types import utcnow
from tests.utils.factories import make_user
from tests.utils.graphql import Client

CREATE = """mutation($n: String!, $p: [Permission!]!, $e: DateTime) {
  createApiToken(name: $n, permissions: $p, expiresAt: $e) {
    token apiToken { id name permissions createdAt expiresAt lastUsedAt }
  }
}"""
LIST = "{ apiTokens { id name permissions createdAt expiresAt lastUsedAt } }"
REVOKE = "mutation($id: ID!) { revokeApiToken(id: $id) }"
TOKENS = table_of(AuthToken)


async def create(client: Client, name: str, permissions: list[str], expires_at: str | None = None) -> dict[str, Any]:
    data = await client.data(CREATE, {"n": name, "p": permissions, "e": expires_at})
    token: dict[str, Any] = data["createApiToken"]
    return token


async def test_token_secret_is_shown_once_and_listed_without_it(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    created = await create(me, "CI reader", ["READ"])
    assert created["token"].startswith("mgk_")
    token = created["apiToken"]
    assert token["name"] == "CI reader"
    assert token["permissions"] == ["READ"]
    assert token["lastUsedAt"] is None and token["expiresAt"] is None
    listed = (await me.data(LIST))["apiTokens"]
    assert listed == [token]
    # The secret is in no answer but the first, and the database keeps only its hash.
    response = await me.raw(LIST)
    assert created["token"] not in response.text
    async with db.read() as session:
        stored = (await session.execute(select(TOKENS.c.token_hash).where(TOKENS.c.kind == "api"))).scalars().all()
    assert created["token"] not in stored and len(stored) == 1


async def test_read_token_reads_but_cannot_create(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    reader = me.as_user((await create(me, "reader", ["READ"]))["token"])
    data = await reader.data("{ me { id } folders { role } apiTokens { name } }")
    assert data["me"]["id"] == str(user.id)
    assert data["apiTokens"] == [{"name": "reader"}]
    assert await reader.error_codes('{ mailThreadKeyExists(id: "x") }') == ["FORBIDDEN"]
    assert await reader.error_codes(CREATE, {"n": "more", "p": ["READ"]}) == ["FORBIDDEN"]
    # A CREATE-only token has no READ.
    creator = me.as_user((await create(me, "creator", ["CREATE"]))["token"])
    assert await creator.data('{ mailThreadKeyExists(id: "x") }') == {"mailThreadKeyExists": False}
    assert await creator.error_codes("{ folders { id } }") == ["FORBIDDEN"]


async def test_token_cannot_grant_what_its_creator_lacks(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    limited = me.as_user((await create(me, "limited", ["CREATE", "READ"]))["token"])
    assert await limited.error_codes(CREATE, {"n": "wider", "p": ["READ", "DELETE"]}) == ["FORBIDDEN"]
    narrower = await create(limited, "narrower", ["READ"])
    assert narrower["apiToken"]["permissions"] == ["READ"]
    all_four = await create(me, "all", ["CREATE", "READ", "UPDATE", "DELETE"])
    assert sorted(all_four["apiToken"]["permissions"]) == ["CREATE", "DELETE", "READ", "UPDATE"]


async def test_last_used_at_moves_when_used(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    created = await create(me, "reader", ["READ"])
    reader = me.as_user(created["token"])
    await reader.data("{ me { id } }")
    first = (await me.data(LIST))["apiTokens"][0]["lastUsedAt"]
    assert first is not None
    long_ago = utcnow() - timedelta(hours=1)
    async with db.write() as session:
        await session.execute(update(TOKENS).where(TOKENS.c.kind == "api").values(last_used_at=long_ago))
    await reader.data("{ me { id } }")
    second = (await me.data(LIST))["apiTokens"][0]["lastUsedAt"]
    assert second > long_ago.isoformat()


async def test_revoked_token_stops_working(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    created = await create(me, "reader", ["READ"])
    reader = me.as_user(created["token"])
    assert (await reader.data("{ me { login } }"))["me"]["login"] == "user_test"
    assert await me.data(REVOKE, {"id": created["apiToken"]["id"]}) == {"revokeApiToken": True}
    assert await reader.data("{ me { login } }") == {"me": None}
    assert await reader.error_codes("{ folders { id } }") == ["UNAUTHENTICATED"]
    assert (await me.data(LIST))["apiTokens"] == []
    assert await me.error_codes(REVOKE, {"id": created["apiToken"]["id"]}) == ["NOT_FOUND"]


async def test_revoking_someone_elses_token_is_not_found(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    await make_user(db, "other_user")
    me = await client.login("user_test")
    other = await client.login("other_user")
    theirs = await create(other, "theirs", ["READ"])
    for ident in (theirs["apiToken"]["id"], "999999", "not-an-id"):
        assert await me.error_codes(REVOKE, {"id": ident}) == ["NOT_FOUND"]
    # Their token still works.
    assert (await other.as_user(theirs["token"]).data("{ me { login } }"))["me"]["login"] == "other_user"


async def test_expires_at_must_be_in_the_future(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    past = (utcnow() - timedelta(days=1)).isoformat()
    assert await me.error_codes(CREATE, {"n": "old", "p": ["READ"], "e": past}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"n": "none", "p": [], "e": None}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"n": "  ", "p": ["READ"], "e": None}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"n": "x", "p": ["READ"], "e": "yesterday"}) == ["BAD_USER_INPUT"]
    # A date without an offset is read as UTC.
    naive = (utcnow() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert (await create(me, "naive", ["READ"], naive))["apiToken"]["expiresAt"]


async def test_expired_api_token_stops_working(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    soon = (utcnow() + timedelta(days=1)).isoformat()
    created = await create(me, "soon", ["READ"], soon)
    reader = me.as_user(created["token"])
    assert (await reader.data("{ me { login } }"))["me"]["login"] == "user_test"
    async with db.write() as session:
        await session.execute(
            update(TOKENS).where(TOKENS.c.kind == "api").values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await reader.error_codes("{ folders { id } }") == ["UNAUTHENTICATED"]


async def test_logout_with_an_api_token_revokes_only_it(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    reader = me.as_user((await create(me, "reader", ["READ"]))["token"])
    assert await reader.data("mutation { logout }") == {"logout": True}
    assert await reader.data("{ me { login } }") == {"me": None}
    assert (await me.data("{ me { login } }"))["me"]["login"] == "user_test"
