"""Errors over HTTP: a code for programs, a message for people, nothing internal."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from db.engine import Database
from resolvers import mailbox
from resolvers.errors import Conflict
from tests.utils.factories import make_user
from tests.utils.graphql import Client

SECRET = "secret SQL text"


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


async def test_domain_errors_carry_their_code(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    body = await me.execute('{ folder(id: "999999") { id } }')
    assert codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["path"] == ["folder"]
    assert "999999" in body["errors"][0]["message"]
    assert "requestId" not in body["errors"][0]["extensions"]
    assert await me.error_codes('{ message(id: "abc") { id } }') == ["NOT_FOUND"]


async def test_domain_error_extensions_reach_the_client(
    db: Database, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")

    async def taken(*_args: object, **_kwargs: object) -> object:
        raise Conflict("that name is taken", argument="name")

    monkeypatch.setattr(mailbox, "list_labels", taken)
    error = (await me.execute("{ labels { id } }"))["errors"][0]
    assert error["message"] == "that name is taken"
    assert error["extensions"] == {"code": "CONFLICT", "argument": "name"}


async def test_unexpected_exception_is_masked_and_logged(
    db: Database, client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")

    async def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(mailbox, "list_labels", broken)
    caplog.set_level(logging.ERROR, logger="mailgate")
    # labels alone: a sibling field still reading would be cancelled when the non-null
    # labels fails, and a cancelled SQLite read leaks its connection (see the report).
    response = await me.raw("{ labels { id } }")
    assert response.status_code == 200
    assert SECRET not in response.text
    for leak in ("Traceback", "RuntimeError", "stacktrace", "exception", "mailbox.py"):
        assert leak not in response.text
    body = response.json()
    assert body["data"] is None  # labels is non-null
    (error,) = body["errors"]
    assert error["message"] == "Internal server error"
    assert error["path"] == ["labels"]
    request_id = error["extensions"]["requestId"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    assert response.headers["x-request-id"] == request_id
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged, caplog.text
    assert logged[0].exc_info is not None and SECRET in str(logged[0].exc_info[1])


async def test_the_clients_request_id_is_kept(
    db: Database, client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")

    async def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(mailbox, "list_labels", broken)
    caplog.set_level(logging.ERROR, logger="mailgate")
    response = await me.raw("{ labels { id } }", **{"x-request-id": "req-42"})
    assert response.json()["errors"][0]["extensions"]["requestId"] == "req-42"
    assert "req-42" in caplog.text
    # An id that does not look like one is replaced, not logged as given.
    response = await me.raw("{ labels { id } }", **{"x-request-id": "evil id; level=critical"})
    assert response.json()["errors"][0]["extensions"]["requestId"] != "evil id; level=critical"


async def test_failure_before_execution_is_masked(
    db: Database, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from app import graphql as view

    async def broken(*_args: object) -> object:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(view, "viewer_for_token", broken)
    caplog.set_level(logging.ERROR, logger="mailgate")
    response = await http.post("/graphql", json={"query": "{ me { login } }"}, headers={"authorization": "Bearer x"})
    assert SECRET not in response.text
    body = response.json()
    assert codes(body) == ["INTERNAL_SERVER_ERROR"]
    request_id = body["errors"][0]["extensions"]["requestId"]
    assert request_id in caplog.text and SECRET in caplog.text


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ me { login ", None),  # a parse error
        ("{ me { nope } }", None),  # an unknown field
        ("{ folders { id } } }", None),
        ("{ messages(orderBy: {field: NOWHERE}) { totalCount } }", None),  # a wrong enum value
        ('{ messages(first: "ten") { totalCount } }', None),  # a wrong literal type
        ("{ folder { id } }", None),  # a required argument missing
        (
            'mutation($p: [Permission!]!) { createApiToken(name: "x", permissions: $p) { token } }',
            {"p": ["WRITE"]},
        ),  # a wrong enum value in a variable
        (
            'mutation($e: DateTime) { createApiToken(name: "x", permissions: [READ], expiresAt: $e) { token } }',
            {"e": "not a date"},
        ),  # a scalar that cannot be read
        ("query($id: ID!) { folder(id: $id) { id } }", {}),  # a required variable missing
    ],
)
async def test_request_errors_are_bad_user_input(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None
) -> None:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] and codes(body) == ["BAD_USER_INPUT"] * len(body["errors"])
    assert "Traceback" not in response.text


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"variables": {}}', "application/json"),  # no query
        (b'{"query": 42}', "application/json"),  # not a string
    ],
)
async def test_unreadable_requests_are_bad_user_input(
    http: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await http.post("/graphql", content=content, headers={"content-type": content_type})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert codes(response.json()) == ["BAD_USER_INPUT"]
