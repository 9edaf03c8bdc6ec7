"""The request body limit: 413 with PAYLOAD_TOO_LARGE, declared or not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.main import create_app, make_services
from app.settings import Settings
from db.engine import Database

pytestmark = pytest.mark.sqlite_only

LIMIT = 2000


@pytest.fixture
async def small(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    changed = settings.model_copy(update={"max_request_bytes": LIMIT})
    app = create_app(changed, make_services(changed, db))
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def big_query(size: int) -> bytes:
    padding = " " * size
    return b'{"query": "{ __typename }' + padding.encode() + b'"}'


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert body["data"] is None


async def test_declared_length_over_the_limit(small: httpx.AsyncClient) -> None:
    response = await small.post("/graphql", content=big_query(LIMIT), headers={"content-type": "application/json"})
    assert_too_large(response)


async def test_streamed_body_over_the_limit(small: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        data = big_query(LIMIT * 3)
        for start in range(0, len(data), 500):
            yield data[start : start + 500]

    response = await small.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_too_large(response)


async def test_multipart_upload_over_the_limit(small: httpx.AsyncClient) -> None:
    operations = '{"query": "mutation($f: Upload!) { uploadAttachment(file: $f) { id } }", "variables": {"f": null}}'
    response = await small.post(
        "/graphql",
        data={"operations": operations, "map": '{"0": ["variables.f"]}'},
        files={"0": ("big.bin", b"x" * LIMIT * 2, "application/octet-stream")},
    )
    assert_too_large(response)


async def test_body_under_the_limit_is_served(small: httpx.AsyncClient) -> None:
    response = await small.post("/graphql", content=big_query(100), headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
