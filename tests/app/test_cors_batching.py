"""A web app on another origin calls mailgate: CORS preflights, and batched operations in one POST."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from resolvers.services import Services
from tests.utils.factories import deliver, make_user

APP_ORIGIN = "http://127.0.0.2:5173"
LOGIN = 'mutation { login(login: "ann", password: "TestPassword") { accessToken } }'


def with_settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


@pytest.fixture
async def web(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app as a web app's origin may call it: CORS for APP_ORIGIN, batches of at most 3."""
    app = create_app(with_settings(settings, cors_origins=[APP_ORIGIN], max_batch=3), services)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def token_of(web: httpx.AsyncClient) -> str:
    answer = (await web.post("/graphql", json={"query": LOGIN})).json()
    return str(answer["data"]["login"]["accessToken"])


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }


@pytest.mark.sqlite_only
async def test_preflight_from_an_allowed_origin_is_answered_and_cached(web: httpx.AsyncClient) -> None:
    response = await web.options("/graphql", headers=preflight_headers(APP_ORIGIN))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert response.headers["access-control-max-age"] == "600"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].lower().split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.sqlite_only
async def test_an_origin_not_listed_gets_no_cors_headers(web: httpx.AsyncClient) -> None:
    response = await web.options("/graphql", headers=preflight_headers("http://evil.example"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    answer = await web.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": "http://evil.example"})
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.sqlite_only
async def test_no_origin_is_allowed_by_default(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=preflight_headers(APP_ORIGIN))
    assert "access-control-allow-origin" not in response.headers
    answer = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": APP_ORIGIN})
    assert "access-control-allow-origin" not in answer.headers


async def test_a_cross_origin_call_reads_its_answer_and_request_id(web: httpx.AsyncClient, db: object) -> None:
    await make_user(db, "ann")  # type: ignore[arg-type]
    token = await token_of(web)
    response = await web.post(
        "/graphql",
        json={"query": "{ me { login } }"},
        headers={"origin": APP_ORIGIN, "authorization": f"Bearer {token}"},
    )
    assert response.json() == {"data": {"me": {"login": "ann"}}}
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


def test_origins_come_from_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILGATE_CORS_ORIGINS", "https://mail.example.com, http://127.0.0.1:5173/")
    assert Settings(_env_file=None).cors_origins == ["https://mail.example.com", "http://127.0.0.1:5173"]  # type: ignore[call-arg]
    monkeypatch.delenv("MAILGATE_CORS_ORIGINS")
    assert Settings(_env_file=None).cors_origins == []  # type: ignore[call-arg]


async def test_a_batch_is_answered_in_order_and_sees_its_own_mutations(web: httpx.AsyncClient, db: object) -> None:
    ann = await make_user(db, "ann")  # type: ignore[arg-type]
    message_id = await deliver(db, ann, subject="Batch me")  # type: ignore[arg-type]
    token = await token_of(web)
    read = "query Read($id: ID!) { message(id: $id) { subject wasRead } }"
    batch = [
        {"query": read, "variables": {"id": str(message_id)}, "operationName": "Read"},
        {
            "query": "mutation Mark($ids: [ID!]!) { markAsRead(ids: $ids) { __typename } }",
            "variables": {"ids": [str(message_id)]},
        },
        {"query": read, "variables": {"id": str(message_id)}},
    ]
    response = await web.post("/graphql", json=batch, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    answers = response.json()
    assert isinstance(answers, list) and len(answers) == 3
    assert answers[0] == {"data": {"message": {"subject": "Batch me", "wasRead": False}}}
    assert "errors" not in answers[1]
    assert answers[2] == {"data": {"message": {"subject": "Batch me", "wasRead": True}}}


async def test_each_operation_of_a_batch_is_signed_in_and_limited_alone(web: httpx.AsyncClient, db: object) -> None:
    await make_user(db, "ann")  # type: ignore[arg-type]
    token = await token_of(web)
    nested = "{ folders { " + "children { " * 13 + "id" + " }" * 15
    batch = [{"query": "{ me { __typename } }"}, {"query": nested}, {"variables": {}}]
    answers = (await web.post("/graphql", json=batch, headers={"authorization": f"Bearer {token}"})).json()
    assert answers[0] == {"data": {"me": {"__typename": "User"}}}
    assert answers[1]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # depth limit, this one only
    assert "depth" in answers[1]["errors"][0]["message"]
    assert answers[2]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # no query, this one only
    anonymous = (await web.post("/graphql", json=[{"query": "{ folders { id } }"}] * 2)).json()
    assert [a["errors"][0]["extensions"]["code"] for a in anonymous] == ["UNAUTHENTICATED"] * 2


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([{"query": "{ __typename }"}] * 4, "at most 3 operations; this one has 4"),
        ([], "at least one operation"),
        (["{ __typename }"], "JSON object"),
    ],
)
async def test_a_batch_that_cannot_run_is_refused_whole(web: httpx.AsyncClient, body: list[object], says: str) -> None:
    response = await web.post("/graphql", json=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert says in error["message"]


@pytest.mark.sqlite_only
async def test_batching_is_on_by_default_with_ten_operations(http: httpx.AsyncClient) -> None:
    ten = await http.post("/graphql", json=[{"query": "{ __typename }"}] * 10)
    assert ten.json() == [{"data": {"__typename": "Query"}}] * 10
    eleven = await http.post("/graphql", json=[{"query": "{ __typename }"}] * 11)
    assert eleven.status_code == 400
    assert eleven.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
