"""Queries run on compiled plans and answer exactly what graphql-core answers.

Every test of the suite also checks this (tests/conftest.py turns on
MAILGATE_EXECUTOR_VERIFY): here the plan's own features are walked through, with the
answer of an app whose compilation is off beside it.
"""

# ruff: noqa: RUF001
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from db.engine import Database
from resolvers.services import Services
from schema.execution.compiled import CompiledQueries
from tests.utils.factories import deliver, make_label, make_thread, make_user
from tests.utils.graphql import Client

LIST_PAGE = """
query Page($first: Int!, $withLabels: Boolean!, $noThread: Boolean = false) {
  messages(first: $first) {
    totalCount unreadCount
    pageInfo { hasNextPage endCursor }
    nodes {
      __typename id subject date size wasRead important hasAttachments eventInviteStatus kind
      sender: from { name address } to { ...Addr }
      folder { id name role } labels @include(if: $withLabels) { id name color }
      thread @skip(if: $noThread) { id name }
      ... on Message { attachments { id fileName mimeType size downloadUrl } }
    }
  }
  me { __typename login }
}
fragment Addr on Address { name address }
"""


@pytest.fixture
async def apps(settings: Settings, services: Services) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient, Client]]:
    """The app as served, and a client of an app of the same data with compilation off."""
    app = create_app(settings, services)
    generic = create_app(settings.model_copy(update={"compiled_execution": False}), services)
    transport = httpx.ASGITransport(app=generic, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield app, http, Client(http)


def unsigned(body: Any) -> Any:
    """``body`` with signed links cut at their signature: their expiry moves with the clock."""
    if isinstance(body, dict):
        return {k: v.split("?")[0] if k == "downloadUrl" and v else unsigned(v) for k, v in body.items()}
    if isinstance(body, list):
        return [unsigned(v) for v in body]
    return body


async def answer(app: Starlette, token: str | None, query: str, variables: dict[str, Any] | None = None) -> Any:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await Client(http, token).execute(query, variables)


async def mailbox(db: Database) -> None:
    user = await make_user(db, "user_test")
    label = await make_label(db, user, "Важное", "#ff0000")
    thread = await make_thread(db, user, "Поставка")
    for i in range(3):
        await deliver(db, user, subject=f"Письмо {i}", thread_id=thread if i else None, label_ids=[label.id])
    await deliver(db, user, subject="С файлом", files=[("Счёт.pdf", "application/pdf", b"%PDF-1.4")])


async def test_a_list_page_runs_compiled_and_answers_as_graphql_core(
    db: Database, apps: tuple[Starlette, httpx.AsyncClient, Client]
) -> None:
    app, _, generic = apps
    await mailbox(db)
    me = await generic.login("user_test")
    queries: CompiledQueries = app.state.schema.compiled_queries
    for variables in ({"first": 50, "withLabels": True}, {"first": 2, "withLabels": False, "noThread": True}):
        compiled = await answer(app, me.token, LIST_PAGE, variables)
        assert unsigned(compiled) == unsigned(await me.execute(LIST_PAGE, variables))
        assert "errors" not in compiled
    page = compiled["data"]["messages"]
    assert len(page["nodes"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    assert all("labels" not in n and "thread" not in n and n["__typename"] == "Message" for n in page["nodes"])
    # Two plans (one per value of the @skip/@include variables), both run compiled.
    assert queries.runs == 2 and queries.compiled == 2 and not queries.fallbacks
    await answer(app, me.token, LIST_PAGE, {"first": 50, "withLabels": True})
    assert queries.runs == 3 and queries.compiled == 2


async def test_errors_locations_and_null_propagation_match(
    db: Database, apps: tuple[Starlette, httpx.AsyncClient, Client]
) -> None:
    app, _, generic = apps
    await mailbox(db)
    me = await generic.login("user_test")
    # A nullable root field fails: null there, with its path and location.
    missing = '{ folders { id } message(id: "999999") { id subject } }'
    compiled = await answer(app, me.token, missing)
    assert compiled == await me.execute(missing)
    assert compiled["data"]["message"] is None and compiled["data"]["folders"]
    assert compiled["errors"][0]["path"] == ["message"] and compiled["errors"][0]["locations"]
    assert compiled["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # A non-null root field fails: the null reaches the whole data.
    refused = "{ folders { id } messages(first: 0) { totalCount } }"
    compiled = await answer(app, me.token, refused)
    assert compiled == await me.execute(refused)
    assert compiled["data"] is None and compiled["errors"][0]["path"] == ["messages"]
    # Signed out: every root field answers UNAUTHENTICATED the same way.
    anonymous = "{ me { login } folders { id } labels { id } }"
    assert await answer(app, None, anonymous) == await generic.as_user(None).execute(anonymous)


async def test_what_is_not_compiled_falls_back_and_is_counted(
    db: Database, apps: tuple[Starlette, httpx.AsyncClient, Client]
) -> None:
    app, _, generic = apps
    await make_user(db, "user_test")
    me = await generic.login("user_test")
    queries: CompiledQueries = app.state.schema.compiled_queries
    introspection = "{ __schema { queryType { name } } }"
    assert (await answer(app, None, introspection))["data"]["__schema"]["queryType"]["name"] == "Query"
    entities = '{ _entities(representations: [{__typename: "User", id: "1"}]) { __typename } }'
    await answer(app, me.token, entities)
    await answer(app, me.token, "mutation { logout }")
    assert queries.runs == 0
    assert queries.fallbacks == {"__schema": 1, "_entities": 1, "mutation": 1}


async def test_compilation_can_be_turned_off(apps: tuple[Starlette, httpx.AsyncClient, Client]) -> None:
    _, http, generic = apps
    generic_app: Starlette = http._transport.app  # type: ignore[attr-defined]
    await generic.execute("{ __typename }")
    queries: CompiledQueries = generic_app.state.schema.compiled_queries
    assert queries.enabled is False and queries.runs == 0 and not queries.fallbacks
