"""/api/openapi.json against the routes: every REST route described, every described route served."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Route

from app.main import create_app
from app.settings import Settings
from resolvers.services import Services

REST_PREFIXES = ("/api/v1/", "/api/v2/", "/mail_threads")
METHODS = {"get", "post", "put", "delete", "patch"}


@pytest.mark.sqlite_only
async def test_every_route_is_described_and_every_described_route_is_served(
    settings: Settings, services: Services, http: httpx.AsyncClient
) -> None:
    answer = await http.get("/api/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"] == "3.1.0"
    described = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS
    }

    app = create_app(settings, services)
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith(REST_PREFIXES)
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert served == described
    assert (
        len({p for _, p in described if p.startswith("/mail_threads")}) == 22
    )  # 23 operations; exportdata on two paths
    assert len([1 for m, p in described if p.startswith("/mail_threads")]) == 24  # /{key} has GET, PUT and DELETE

    # Each described operation answers at its path: without a token it is refused (401), not missing.
    for method, path in sorted(described):
        url = re.sub(r"\{[^}]+\}", "x", path)
        reply = await http.request(method, url)
        expected = 400 if path == "/api/v2/auth/Login" else 401
        assert reply.status_code == expected, (method, path, reply.status_code, reply.text)
        operation = document["paths"][path][method.lower()]
        assert operation["responses"]["200" if "200" in operation["responses"] else next(iter(operation["responses"]))]
        assert (operation.get("x-permission") is None) == (path == "/api/v2/auth/Login")


@pytest.mark.sqlite_only
async def test_permission_tags_follow_the_documents(http: httpx.AsyncClient) -> None:
    paths = (await http.get("/api/openapi.json")).json()["paths"]
    # The mail_thread document's tags: CREATE, READ, UPDATE, DELETE as written there.
    assert paths["/mail_threads"]["post"]["x-permission"] == "CREATE"
    assert paths["/mail_threads/{key}"]["get"]["x-permission"] == "READ"
    assert paths["/mail_threads/{key}"]["put"]["x-permission"] == "UPDATE"
    assert paths["/mail_threads/{key}"]["delete"]["x-permission"] == "DELETE"
    for path in ("/mail_threads/check_key", "/mail_threads/save"):
        assert paths[path]["post"]["x-permission"] == "CREATE"
    assert paths["/mail_threads/get_draft"]["get"]["x-permission"] == "CREATE"
    assert paths["/mail_threads/fetch_default"]["post"]["x-permission"] == "READ"
    # R7: reading lists, changing flags and moving is UPDATE, deleting DELETE, sending CREATE.
    assert paths["/api/v1/email/Send"]["post"]["x-permission"] == "CREATE"
    assert paths["/api/v1/email/Delete"]["post"]["x-permission"] == "DELETE"
    assert paths["/api/v1/email/Attachments"]["get"]["x-permission"] == "READ"
