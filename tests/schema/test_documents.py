"""A document is parsed, costed and validated once; a costly one is refused before sign-in."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import parse
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from db.engine import Database
from resolvers.services import Services
from schema.build import MailgateSchema
from schema.execution.cost import document_cost
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def app(settings: Settings, services: Services) -> Starlette:
    return create_app(settings, services)


@pytest.fixture
async def web(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2^(levels - 1) ids once expanded."""
    fragments = " ".join(f"fragment L{i} on Folder {{ ...L{i + 1} ...L{i + 1} }}" for i in range(levels - 1))
    return f"query {{ folders {{ ...L0 }} }} {fragments} fragment L{levels - 1} on Folder {{ id }}"


async def test_second_identical_request_neither_parses_nor_validates(
    db: Database, web: httpx.AsyncClient, app: Starlette
) -> None:
    await make_user(db, "user_test")
    me = await Client(web).login("user_test")
    documents = app.state.schema.documents
    query = "query Mine { me { login } folders { id name unreadCount } }"

    first = await me.data(query)
    parsed, validated, hits = documents.parsed, documents.validated, documents.hits
    second = await me.data(query)

    assert second == first
    assert (documents.parsed, documents.validated) == (parsed, validated)  # no work the second time
    assert documents.hits > hits
    # A different document is new work, once.
    await me.data("{ me { id } }")
    assert (documents.parsed, documents.validated) == (parsed + 1, validated + 1)


async def test_limits_are_cached_with_the_document(web: httpx.AsyncClient, app: Starlette) -> None:
    """An invalid document is refused the same way every time, from the cache."""
    documents = app.state.schema.documents
    deep = "{ folders { " + "children { " * 12 + "id" + " }" * 12 + " } }"
    answers = [(await web.post("/graphql", json={"query": deep})).json() for _ in range(3)]
    assert all(a == answers[0] for a in answers)
    assert answers[0]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "depth" in answers[0]["errors"][0]["message"]
    assert documents.parsed == 1 and documents.validated == 1


def test_the_cache_is_bounded(app: Starlette) -> None:
    schema: MailgateSchema = app.state.schema
    documents = schema.documents
    for i in range(documents.maxsize + 10):
        documents.prepare(f"{{ a{i}: __typename }}")
    assert len(documents) == documents.maxsize
    documents.prepare("{ a0: __typename }")  # evicted first, so prepared again
    assert documents.parsed == documents.maxsize + 11


async def test_fragment_fan_out_is_refused_cheaply_before_sign_in(db: Database, web: httpx.AsyncClient) -> None:
    """30 levels of fragments spreading the next one twice (2^29 fields once expanded),
    sent with a token nobody has: BAD_USER_INPUT with the cost and the limit, no sign-in
    (not one SQL statement) and little CPU."""
    query = fan_out(30)
    with counting(db) as statements:
        started = time.process_time()
        response = await web.post("/graphql", json={"query": query}, headers={"authorization": "Bearer nobody"})
        spent = time.process_time() - started
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "cost": 2**29 + 1, "maxCost": 5000}
    assert statements == []
    # A bound on work, not a timing: the expanded document would take minutes.
    assert spent < 0.05


async def test_a_query_within_the_cost_runs(db: Database, web: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    me = await Client(web).login("user_test")
    data = await me.data(fan_out(8))  # 129 fields
    assert data["folders"] and all(f == {"id": f["id"]} for f in data["folders"])


async def test_cost_limit_is_a_setting(settings: Settings, services: Services) -> None:
    app = create_app(settings.model_copy(update={"max_query_cost": 100}), services)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        body = (await web.post("/graphql", json={"query": fan_out(8)})).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "cost": 129, "maxCost": 100}


# --- the cost itself, against expanding the fragments by hand -----------------------------

Graph = list[list[Any]]  # fragment i: a list of ("field", n) or ("spread", j > i)


def expanded(graph: Graph, i: int) -> int:
    if not graph[i]:
        return 1  # an empty fragment gets a __typename (see document_of)
    return sum(n if kind == "field" else expanded(graph, n) for kind, n in graph[i])


def document_of(graph: Graph) -> str:
    def body(i: int) -> str:
        parts = [
            " ".join(f"a{i}_{k}_{m}: __typename" for m in range(n)) if kind == "field" else f"...F{n}"
            for k, (kind, n) in enumerate(graph[i])
        ]
        return " ".join(parts) or "__typename"

    fragments = " ".join(f"fragment F{i} on Query {{ {body(i)} }}" for i in range(len(graph)))
    return f"{{ ...F0 }} {fragments}"


@st.composite
def fragment_graphs(draw: st.DrawFn) -> Graph:
    size = draw(st.integers(1, 8))
    graph: Graph = []
    for i in range(size):
        later = list(range(i + 1, size))
        items = draw(
            st.lists(
                st.one_of(
                    st.tuples(st.just("field"), st.integers(1, 3)),
                    *([st.tuples(st.just("spread"), st.sampled_from(later))] if later else []),
                ),
                max_size=4,
            )
        )
        graph.append(items)
    return graph


@given(fragment_graphs())
@settings(max_examples=200, deadline=None)
def test_cost_counts_what_expansion_would_resolve(graph: Graph) -> None:
    assert document_cost(parse(document_of(graph))) == expanded(graph, 0)


def test_cost_of_a_cycle_is_bounded() -> None:
    document = parse("{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }")
    assert document_cost(document) == 1  # validation reports the cycle
