"""Query limits over HTTP: depth, tokens, aliases, introspection depth, no mutations over GET."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql import build_schema as build_sdl_schema
from graphql import get_introspection_query, parse, validate

from db.engine import Database
from schema.limits import introspection_depth_rule
from tests.utils.factories import make_user
from tests.utils.graphql import Client

pytestmark = pytest.mark.sqlite_only


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def nested(field: str, levels: int, leaf: str = "id") -> str:
    """``field`` (which may open braces of its own) ``levels`` times around ``leaf``."""
    opened = field.count("{") + 1
    return f"{field} {{ " * levels + leaf + " }" * (levels * opened)


async def post(http: httpx.AsyncClient, query: str, token: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query}, headers=headers)


async def test_query_depth(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    # Depth 12 (the default limit) passes; one more level is refused before anything runs.
    shallow = "{ folders { " + nested("children", 10) + " } }"
    assert "folders" in await me.data(shallow)
    deep = "{ folders { " + nested("children", 12) + " } }"
    response = await post(http, deep, me.token)
    assert response.status_code == 200
    body = response.json()
    assert codes(body) == ["BAD_USER_INPUT"] and body.get("data") is None
    assert "depth" in body["errors"][0]["message"]


async def test_token_count(http: httpx.AsyncClient) -> None:
    fields = " ".join("__typename" for _ in range(2100))
    body = (await post(http, "{ " + fields + " }")).json()
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "token" in body["errors"][0]["message"].lower()
    assert (await post(http, "{ " + " ".join("__typename" for _ in range(100)) + " }")).json()["data"]


async def test_alias_count(http: httpx.AsyncClient) -> None:
    many = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    body = (await post(http, many)).json()
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "alias" in body["errors"][0]["message"].lower()
    few = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert (await post(http, few)).json()["data"]["a29"] == "Query"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {
            "descriptions": True,
            "specified_by_url": True,
            "directive_is_repeatable": True,
            "schema_description": True,
            "input_value_deprecation": True,
            "one_of": True,
        },
    ],
)
async def test_standard_introspection_passes(http: httpx.AsyncClient, options: dict[str, bool]) -> None:
    body = (await post(http, get_introspection_query(**options))).json()
    assert "errors" not in body, body.get("errors")
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Query", "Mutation", "Message", "MailThread"} <= names


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { " + nested("fields { type", 6, "name") + " } } }",
        '{ __type(name: "Query") { ' + nested("fields { type", 6, "name") + " } }",
        # Hidden in fragments: they are followed.
        "{ __schema { types { ...A } } } fragment A on __Type { fields { type { ...B } } }"
        " fragment B on __Type { fields { type { ...C } } } fragment C on __Type { fields { type { name } } }",
    ],
)
async def test_deep_introspection_is_refused(http: httpx.AsyncClient, query: str) -> None:
    response = await post(http, query)
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    assert codes(body) and set(codes(body)) == {"BAD_USER_INPUT"}


SDL = "type Query { a: Int }"


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        (get_introspection_query(), False),
        ("{ __schema { types { " + nested("fields { type", 4, "name") + " } } }", False),  # 8 deep
        ("{ __schema { types { " + nested("fields { type", 5, "name") + " } } }", True),  # 10 deep
        ("{ __schema { types { " + nested("ofType", 40, "name") + " } } }", False),  # wrappers only
        ("{ __schema { ...F } } fragment F on __Schema { types { " + nested("fields { type", 5, "name") + " } }", True),
        (
            "{ __schema { types { ...A ...A } } } fragment A on __Type { fields { type { ...B ...B } } }"
            " fragment B on __Type { fields { type { ...C } } } fragment C on __Type { fields { type { ...D } } }"
            " fragment D on __Type { fields { type { ...E } } } fragment E on __Type { fields { type { name } } }",
            True,
        ),
        ("{ a } fragment F on __Type { " + nested("fields { type", 9, "name") + " }", False),  # never spread
        ("{ __schema { types { ...F } } } fragment F on __Type { fields { type { ...F } } }", False),  # a cycle
    ],
)
def test_introspection_depth_rule(query: str, refused: bool) -> None:
    """Our rule alone, at the default limit of 8."""
    errors = validate(build_sdl_schema(SDL), parse(query), [introspection_depth_rule(8)])
    assert any("introspection" in e.message for e in errors) is refused


async def test_no_mutation_over_get(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    headers = {"authorization": f"Bearer {me.token}", "accept": "application/json"}
    response = await http.get("/graphql", params={"query": "mutation { logout }"}, headers=headers)
    assert response.status_code == 405
    assert codes(response.json()) == ["BAD_USER_INPUT"]
    # It did not run: the token still works.
    assert (await me.data("{ me { login } }"))["me"]["login"] == "user_test"
    # Queries over GET are fine.
    response = await http.get("/graphql", params={"query": "{ me { login } }"}, headers=headers)
    assert response.status_code == 200 and response.json()["data"]["me"]["login"] == "user_test"
