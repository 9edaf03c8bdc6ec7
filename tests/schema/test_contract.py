"""The served schema keeps the contract (schema/contract.graphql)."""

from __future__ import annotations

import re

import httpx
import pytest

from schema.build import build_schema
from schema.contract import breaking_changes, dangerous_changes, pending_fields, served_schema, still_pending

ENTITIES = ("User", "Folder", "Label", "Message", "Attachment", "MailThread")


@pytest.fixture(scope="module")
def sdl() -> str:
    return build_schema().as_str()


def test_no_breaking_change_but_the_pending_fields(sdl: str) -> None:
    changes = breaking_changes(served_schema(sdl), pending_fields())
    assert [c.description for c in changes] == []


def test_no_pending_line_is_served_already(sdl: str) -> None:
    stale = still_pending(served_schema(sdl), pending_fields())
    assert stale == [], f"remove these lines from schema/contract_pending.txt: {stale}"


def test_no_dangerous_change(sdl: str) -> None:
    assert dangerous_changes(served_schema(sdl)) == []


def test_pending_lines_name_contract_fields() -> None:
    from schema.contract import contract_schema

    contract = contract_schema()
    for line in pending_fields():
        type_name, _, field_name = line.partition(".")
        assert field_name in contract.type_map[type_name].fields, line  # type: ignore[union-attr]


def test_the_check_catches_a_missing_field(sdl: str) -> None:
    """The check itself: a served schema without Query.apiTokens breaks the contract."""
    trimmed = served_schema(sdl)
    assert trimmed.query_type is not None
    del trimmed.query_type.fields["apiTokens"]
    changes = breaking_changes(trimmed, pending_fields())
    assert any("apiTokens" in c.description for c in changes)
    # And a pending line whose field is served is reported.
    assert still_pending(served_schema(sdl), ["Query.apiTokens"]) == ["Query.apiTokens"]


@pytest.mark.parametrize("entity", ENTITIES)
def test_entities_carry_a_key(sdl: str, entity: str) -> None:
    assert re.search(rf'type {entity} @key\(fields: "id"\)', sdl), entity


@pytest.mark.sqlite_only
async def test_service_sdl_over_http(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ _service { sdl } }"})
    assert response.status_code == 200
    sdl = response.json()["data"]["_service"]["sdl"]
    for entity in ENTITIES:
        assert re.search(rf'type {entity} @key\(fields: "id"\)', sdl), entity
    assert "type Query" in sdl and "apiTokens" in sdl
    assert breaking_changes(served_schema(sdl), pending_fields()) == []


@pytest.mark.sqlite_only
async def test_entities_resolve_only_for_a_signed_in_user(http: httpx.AsyncClient) -> None:
    query = '{ _entities(representations: [{__typename: "User", id: "1"}]) { ... on User { login } } }'
    body = (await http.post("/graphql", json={"query": query})).json()
    assert body["data"]["_entities"] == [None]
