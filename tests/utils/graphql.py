"""A small GraphQL client over httpx for tests: a user does something, a client sees it."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLErrors(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


class Client:
    """Posts GraphQL to /graphql as whoever's token it holds."""

    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def as_user(self, token: str | None) -> Client:
        return Client(self.http, token)

    async def raw(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        send = {"content-type": "application/json", **headers}
        if self.token:
            send.setdefault("authorization", f"Bearer {self.token}")
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=send)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole answer: data and errors."""
        response = await self.raw(query, variables)
        assert response.status_code in (200, 400, 413), response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of an answer that must have no errors."""
        body = await self.execute(query, variables)
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    async def error_codes(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        """The extensions.code of each error of an answer that must have errors."""
        body = await self.execute(query, variables)
        assert body.get("errors"), f"expected errors, got {body}"
        return [e.get("extensions", {}).get("code") for e in body["errors"]]

    async def login(self, login: str, password: str = "TestPassword") -> Client:
        data = await self.as_user(None).data(
            "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }",
            {"l": login, "p": password},
        )
        return self.as_user(data["login"]["accessToken"])
