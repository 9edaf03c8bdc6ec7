"""A small graphql-transport-ws client for tests, over httpx-ws (in process) or websockets (real servers)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from httpx_ws import WebSocketDisconnect, aconnect_ws

PROTOCOL = "graphql-transport-ws"

MAILBOX_EVENTS = """
subscription($since: String) {
  mailboxEvents(sinceState: $since) {
    kind messageId state
    message { id subject wasRead important folder { id name } }
    folder { id name totalCount unreadCount }
  }
}
"""


class SocketClosed(AssertionError):
    def __init__(self, code: int | None, reason: str | None = None) -> None:
        super().__init__(f"socket closed: {code} {reason or ''}")
        self.code = code
        self.reason = reason


class OperationError(AssertionError):
    """An operation ended with errors (a `next` with errors, or an `error` message)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


class GraphQLSocket:
    """graphql-transport-ws over any socket given as send/receive text callables."""

    def __init__(self, send: Callable[[str], Awaitable[None]], receive: Callable[[float], Awaitable[str]]) -> None:
        self._send = send
        self._receive = receive
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self._send(json.dumps(message))

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next message that is not a ping (pings are answered)."""
        while True:
            message: dict[str, Any] = json.loads(await self._receive(timeout))
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def init(self, payload: dict[str, Any] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        ack = await self.receive(timeout)
        assert ack["type"] == "connection_ack", ack
        return ack

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        op_id = str(self._ids)
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        return op_id

    async def complete(self, op_id: str) -> None:
        await self.send({"id": op_id, "type": "complete"})

    async def next_data(self, op_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The data of the operation's next result; OperationError when it carries errors or ends."""
        while True:
            message = await self.receive(timeout)
            if message.get("id") != op_id:
                continue
            kind = message["type"]
            if kind == "next":
                payload = message["payload"]
                if payload.get("errors"):
                    raise OperationError(payload["errors"])
                data: dict[str, Any] = payload["data"]
                return data
            if kind == "error":
                raise OperationError(message["payload"])
            raise OperationError([{"message": f"operation ended: {message}"}])

    async def events(self, op_id: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The next ``count`` mailbox events of a mailboxEvents operation, each within ``timeout``."""
        return [(await self.next_data(op_id, timeout))["mailboxEvents"] for _ in range(count)]

    async def events_until(self, op_id: str, state: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Mailbox events until one whose state is ``state`` (inclusive)."""
        found: list[dict[str, Any]] = []
        while not found or int(found[-1]["state"]) < state:
            found.append((await self.next_data(op_id, timeout))["mailboxEvents"])
        return found

    async def expect_closed(self, timeout: float = 10.0) -> int | None:
        """The close code once the server closes the socket."""
        try:
            while True:
                await self.receive(timeout)
        except SocketClosed as closed:
            return closed.code


@asynccontextmanager
async def asgi_socket(http: httpx.AsyncClient, path: str = "/graphql") -> AsyncIterator[GraphQLSocket]:
    """A socket to an in-process app; ``http`` uses httpx_ws.transport.ASGIWebSocketTransport."""
    async with aconnect_ws(path, http, subprotocols=[PROTOCOL], keepalive_ping_interval_seconds=None) as ws:

        async def receive(timeout: float) -> str:
            try:
                return await ws.receive_text(timeout=timeout)
            except WebSocketDisconnect as closed:
                raise SocketClosed(closed.code, closed.reason) from closed

        yield GraphQLSocket(ws.send_text, receive)


@asynccontextmanager
async def server_socket(url: str) -> AsyncIterator[GraphQLSocket]:
    """A socket to a real server (``ws://host:port/graphql``) with the websockets package."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async with connect(url, subprotocols=[PROTOCOL], open_timeout=10, max_size=2**22) as ws:  # type: ignore[list-item]

        async def receive(timeout: float) -> str:
            try:
                message = await asyncio.wait_for(ws.recv(), timeout)
            except ConnectionClosed as closed:
                raise SocketClosed(
                    closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else None
                ) from closed
            return message if isinstance(message, str) else message.decode()

        async def send(text: str) -> None:
            try:
                await ws.send(text)
            except ConnectionClosed as closed:
                raise SocketClosed(closed.rcvd.code if closed.rcvd else None) from closed

        yield GraphQLSocket(send, receive)
