"""Apollo's automatic persisted queries over POST and GET, and the trusted-documents mode."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from db.engine import Database
from resolvers.services import Services
from schema.execution.persisted import sha256_of
from tests.utils.factories import make_user
from tests.utils.graphql import Client

pytestmark = pytest.mark.sqlite_only

FOLDERS = "query Folders { folders { name } }"
ME = "query Me { me { login } }"


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(text)}}


@pytest.fixture
async def token(db: Database, client: Client) -> str:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    assert me.token
    return me.token


async def post(http: httpx.AsyncClient, token: str | None, **body: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def get(http: httpx.AsyncClient, token: str | None, **params: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    query = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return await http.get("/graphql", params=query, headers={**headers, "accept": "application/json"})


def code_of(answer: dict[str, Any]) -> str:
    [error] = answer["errors"]
    return str(error["extensions"]["code"])


async def test_apq_over_post(http: httpx.AsyncClient, token: str) -> None:
    # The client tries the hash alone; the server does not know it yet.
    first = await post(http, token, extensions=persisted(FOLDERS))
    assert first["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code_of(first) == "PERSISTED_QUERY_NOT_FOUND"
    # It sends the text with the hash: it runs and is registered.
    registered = await post(http, token, query=FOLDERS, extensions=persisted(FOLDERS))
    assert "errors" not in registered and registered["data"]["folders"]
    # From now on the hash is enough.
    again = await post(http, token, extensions=persisted(FOLDERS))
    assert again == registered


async def test_apq_over_get(http: httpx.AsyncClient, token: str) -> None:
    missing = await get(http, token, extensions=persisted(ME))
    assert missing.status_code == 200 and code_of(missing.json()) == "PERSISTED_QUERY_NOT_FOUND"
    registered = await get(http, token, query=ME, extensions=persisted(ME))
    assert registered.json() == {"data": {"me": {"login": "user_test"}}}
    again = await get(http, token, extensions=persisted(ME))
    assert again.json() == registered.json()


async def test_a_registered_mutation_still_does_not_run_over_get(http: httpx.AsyncClient, token: str) -> None:
    logout = "mutation { logout }"
    refused = await get(http, token, query=logout, extensions=persisted(logout))
    assert refused.status_code == 405
    assert (await post(http, token, query=ME))["data"]["me"]["login"] == "user_test"  # still signed in


async def test_a_hash_that_does_not_match_is_refused(http: httpx.AsyncClient, token: str) -> None:
    wrong = await post(http, token, query=ME, extensions=persisted(FOLDERS))
    assert code_of(wrong) == "BAD_USER_INPUT" and "does not match" in wrong["errors"][0]["message"]
    # Nothing was registered under either hash.
    assert code_of(await post(http, token, extensions=persisted(FOLDERS))) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(await post(http, token, extensions=persisted(ME))) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": sha256_of(ME)},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "yes",
    ],
)
async def test_malformed_persisted_query_extension(http: httpx.AsyncClient, extension: Any) -> None:
    answer = await post(http, None, extensions={"persistedQuery": extension})
    assert code_of(answer) == "BAD_USER_INPUT"


async def test_variables_and_operation_name_work_with_a_hash(http: httpx.AsyncClient, token: str) -> None:
    text = "query A { me { login } } query B($id: ID!) { folder(id: $id) { name } }"
    await post(http, token, query=text, operationName="A", extensions=persisted(text))
    folders = (await post(http, token, query=FOLDERS))["data"]["folders"]
    me = Client(http, token)
    ids = (await me.data("{ folders { id name } }"))["folders"]
    answer = await post(http, token, operationName="B", variables={"id": ids[0]["id"]}, extensions=persisted(text))
    assert answer["data"]["folder"]["name"] == folders[0]["name"]


# --- trusted documents --------------------------------------------------------------------


@pytest.fixture
async def trusted_http(
    settings: Settings, services: Services, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    manifest = tmp_path / "manifest.json"
    if request.param == "apollo":
        operations = [{"id": sha256_of(ME), "name": "Me", "type": "query", "body": ME}]
        manifest.write_text(
            json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations})
        )
    else:
        manifest.write_text(json.dumps({sha256_of(ME): ME}))
    app = create_app(settings.model_copy(update={"trusted_documents": manifest}), services)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize("trusted_http", ["apollo", "map"], indirect=True)
async def test_only_trusted_documents_run(trusted_http: httpx.AsyncClient, token: str) -> None:
    expected = {"data": {"me": {"login": "user_test"}}}
    # A listed document runs by hash (never registered: it is in the manifest) and by text.
    assert await post(trusted_http, token, extensions=persisted(ME)) == expected
    assert await post(trusted_http, token, query=ME) == expected
    assert (await get(trusted_http, token, extensions=persisted(ME))).json() == expected
    # Anything else is refused, whichever way it comes.
    for body in (
        {"query": FOLDERS},
        {"extensions": persisted(FOLDERS)},
        {"query": FOLDERS, "extensions": persisted(FOLDERS)},
    ):
        answer = await post(trusted_http, token, **body)
        assert answer["data"] is None and code_of(answer) == "FORBIDDEN"
        assert "trusted documents" in answer["errors"][0]["message"]
