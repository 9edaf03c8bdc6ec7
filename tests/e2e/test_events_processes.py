"""Mailbox events across processes: two uvicorn servers on one PostgreSQL database.

A client subscribed on process 1 sees, in order and without loss, the changes
made through process 2 (LISTEN/NOTIFY carries owner and modseq; the listener
reads the change log); a client that reconnects with its last state gets
exactly what it missed; and when process 1's listener connection is
terminated while writes go on, it reconnects and nothing is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.events import LISTENER_APPLICATION_NAME
from db.engine import Database
from db.models import Change, table_of
from resolvers.changelog import current_modseq
from resolvers.events import EVENT_KINDS
from tests.utils.factories import deliver, make_user
from tests.utils.process_pair import Server, admin, e2e_database, two_servers
from tests.utils.ws import MAILBOX_EVENTS, GraphQLSocket, server_socket

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 10
TOGGLE = "mutation($ids: [ID!]!, $on: Boolean!) { markAsImportant(ids: $ids, important: $on) { count } }"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    yield from e2e_database("mailgate_e2e", "e2e events test")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    yield from two_servers(database_url, tmp_path_factory.mktemp("e2e-events"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


class Writer:
    """Changes made through process 2: markAsImportant toggles on the user's messages."""

    def __init__(self, http: httpx.AsyncClient, token: str, ids: list[str]) -> None:
        self.http = http
        self.token = token
        self.ids = ids
        self.important = False

    async def toggle(self, count: int) -> None:
        """``count`` mutations, each changing every message (one event per message)."""
        for _ in range(count):
            self.important = not self.important
            response = await self.http.post(
                "/graphql",
                json={"query": TOGGLE, "variables": {"ids": self.ids, "on": self.important}},
                headers={"authorization": f"Bearer {self.token}"},
                timeout=10,
            )
            body = response.json()
            assert not body.get("errors"), body
            assert body["data"]["markAsImportant"]["count"] == len(self.ids)


async def logged(db: Database, owner_id: int, after: int) -> list[tuple[str, str | None, str]]:
    """The owner's change log after ``after`` as (kind, messageId, state), the way events show it."""
    c = table_of(Change)
    async with db.read() as session:
        rows = (
            await session.execute(
                select(c.c.kind, c.c.message_id, c.c.modseq)
                .where(c.c.owner_id == owner_id, c.c.modseq > after)
                .order_by(c.c.modseq)
            )
        ).all()
    return [(EVENT_KINDS[k], str(m) if m is not None else None, str(s)) for k, m, s in rows]


def seen(events: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    return [(e["kind"], e["messageId"], e["state"]) for e in events]


async def open_subscription(url: str, token: str, since: int) -> tuple[Any, GraphQLSocket, str]:
    manager = server_socket(url)
    ws = await manager.__aenter__()
    await ws.init({"Authorization": f"Bearer {token}"})
    op = await ws.subscribe(MAILBOX_EVENTS, {"since": str(since)})
    return manager, ws, op


async def listener_pids(db: Database, process_pid: int) -> list[int]:
    async with db.read() as session:
        rows = await session.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": f"{LISTENER_APPLICATION_NAME}:{process_pid}"},
        )
        return [int(r[0]) for r in rows]


async def test_events_cross_processes_in_order_and_survive_disconnects(
    servers: tuple[Server, Server], db: Database
) -> None:
    first, second = servers
    me = await make_user(db, "user_test")
    ids = [str(await deliver(db, me, subject=f"m{i}")) for i in range(MESSAGES)]
    async with db.read() as session:
        start = await current_modseq(session, me.id)

    async with httpx.AsyncClient(base_url=second.http) as http2:
        login = await http2.post(
            "/graphql",
            json={"query": 'mutation { login(login: "user_test", password: "TestPassword") { accessToken } }'},
        )
        token = login.json()["data"]["login"]["accessToken"]
        writer = Writer(http2, token, ids)

        # 1. 500 events made through process 2 reach a subscriber on process 1, in order, none lost.
        manager, ws, op = await open_subscription(first.ws, token, start)
        try:
            writing = asyncio.create_task(writer.toggle(500 // MESSAGES))
            received = await ws.events_until(op, start + 500)
            await asyncio.wait_for(writing, 30)
        finally:
            await manager.__aexit__(None, None, None)  # a forced disconnect
        expected = await logged(db, me.id, start)
        assert len(expected) == 500
        assert seen(received) == expected
        last = int(received[-1]["state"])

        # 2. Reconnected with its last state, the client gets exactly what it missed, then live events.
        await writer.toggle(5)  # 50 events while nobody listens
        manager, ws, op = await open_subscription(first.ws, token, last)
        try:
            missed = await ws.events(op, 50)
            await writer.toggle(2)
            live = await ws.events(op, 20)
            assert seen(missed + live) == await logged(db, me.id, last)
            last = int(live[-1]["state"])

            # 3. Process 1's listener connection is terminated while writes go on: nothing is missing.
            (listener,) = await listener_pids(db, first.process.pid)
            writing = asyncio.create_task(writer.toggle(20))
            await asyncio.sleep(0.2)
            async with db.read() as session:
                assert (await session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": listener})).scalar()
            await asyncio.wait_for(writing, 30)
            async with db.read() as session:
                final = await current_modseq(session, me.id)
            after_kill = await ws.events_until(op, final)
            assert seen(after_kill) == await logged(db, me.id, last)
            assert len(after_kill) == 200
            # The listener came back on a new connection.
            async with asyncio.timeout(10):
                while (pids := await listener_pids(db, first.process.pid)) in ([], [listener]):
                    await asyncio.sleep(0.1)
            assert listener not in pids
            last = final

            # 4. Strictly: changes committed while process 1 has no listener at all are only in the log;
            #    once the listener is back it tells the subscriber to re-read them.
            name = make_url(db.url).database
            await admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            try:
                for pid in pids:
                    async with db.read() as session:
                        await session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                async with asyncio.timeout(10):
                    while await listener_pids(db, first.process.pid):
                        await asyncio.sleep(0.05)
                await writer.toggle(2)  # process 2 notifies; nobody in process 1 hears it
                assert await listener_pids(db, first.process.pid) == []
            finally:
                await admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            resynced = await ws.events(op, 20)
            assert seen(resynced) == await logged(db, me.id, last)
        finally:
            await manager.__aexit__(None, None, None)
