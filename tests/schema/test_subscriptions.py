"""Subscription.mailboxEvents over graphql-transport-ws, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from app.events import EventBus, PostgresEventBus
from app.main import create_app
from app.settings import Settings
from db.engine import Database
from db.models import ChangeKind
from resolvers import events as event_log
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.services import Services
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client
from tests.utils.ws import MAILBOX_EVENTS, OperationError, asgi_socket


@asynccontextmanager
async def served(settings: Settings, services: Services) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app with its event bus started and an HTTP + websocket client to it.

    A context manager in the test, not a fixture: the websocket transport's task group must be
    entered and left in the same task. Only the bus is started, not the whole lifespan: the
    background worker's first passes would race the end of these short tests.
    """
    application = create_app(settings, services)
    async with (
        application.state.events,
        httpx.AsyncClient(
            transport=ASGIWebSocketTransport(app=application, client=("127.0.0.1", 50000)),
            base_url="http://testserver",
        ) as http,
    ):
        yield application, http


async def token_of(http: httpx.AsyncClient, login: str) -> str:
    client = await Client(http).login(login)
    assert client.token
    return client.token


async def subscribed(bus: EventBus, count: int = 1) -> None:
    """Until ``count`` subscriptions are registered with the bus (their operation started)."""
    async with asyncio.timeout(5):
        while bus.subscriber_count < count:
            await asyncio.sleep(0.01)


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str | None, int]]:
    return [(e["kind"], e["messageId"], int(e["state"])) for e in events]


async def test_live_events_arrive_in_modseq_order(settings: Settings, services: Services, db: Database) -> None:
    me = await make_user(db, "user_test")
    async with served(settings, services) as (app, http):
        token = await token_of(http, "user_test")
        bus: EventBus = app.state.events
        assert isinstance(bus, PostgresEventBus) == (not db.is_sqlite)
        async with asgi_socket(http) as ws:
            await ws.init({"Authorization": f"Bearer {token}"})
            op = await ws.subscribe(MAILBOX_EVENTS)
            await subscribed(bus)
            first = await deliver(db, me, subject="one")
            got = await ws.events(op, 2)
            second = await deliver(db, me, subject="two")
            got += await ws.events(op, 2)
    assert summary(got) == [
        ("MESSAGE_CREATED", str(first), 1),
        ("FOLDER_UPDATED", None, 2),
        ("MESSAGE_CREATED", str(second), 3),
        ("FOLDER_UPDATED", None, 4),
    ]
    assert got[0]["message"]["subject"] == "one"
    assert got[0]["message"]["folder"]["name"] == got[1]["folder"]["name"]
    # A folder event carries the folder's counts as they are when the event is read (here: right after it);
    # the message events carry no folder of their own.
    assert [(e["folder"]["totalCount"], e["folder"]["unreadCount"]) for e in (got[1], got[3])] == [(1, 1), (2, 2)]
    assert got[0]["folder"] is None
    assert got[1]["message"] is None


async def test_since_state_replays_exactly_the_missed_events_then_goes_live(
    settings: Settings, services: Services, db: Database
) -> None:
    me = await make_user(db, "user_test")
    other = await make_user(db, "user_other")
    await deliver(db, me, subject="seen")  # states 1, 2
    missed = await deliver(db, me, subject="missed")  # states 3, 4
    await deliver(db, other, subject="not mine")
    async with served(settings, services) as (_app, http), asgi_socket(http) as ws:
        token = await token_of(http, "user_test")
        await ws.init({"authorization": token})  # lowercase key, bare token
        op = await ws.subscribe(MAILBOX_EVENTS, {"since": "2"})
        replayed = await ws.events(op, 2)
        assert summary(replayed) == [("MESSAGE_CREATED", str(missed), 3), ("FOLDER_UPDATED", None, 4)]
        live = await deliver(db, me, subject="live")
        assert summary(await ws.events(op, 2)) == [("MESSAGE_CREATED", str(live), 5), ("FOLDER_UPDATED", None, 6)]
        # Nothing else is pending: no duplicate of a replayed event follows.
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.3)
        # Up to date: subscribing at the current state replays nothing.
        op2 = await ws.subscribe(MAILBOX_EVENTS, {"since": "6"})
        await deliver(db, me, subject="after")
        assert [e["state"] for e in await ws.events(op2, 2)] == ["7", "8"]


async def test_replay_larger_than_a_read_batch(
    settings: Settings, services: Services, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_log, "READ_BATCH", 3)
    me = await make_user(db, "user_test")
    for i in range(4):
        await deliver(db, me, subject=f"m{i}")
    async with served(settings, services) as (_app, http), asgi_socket(http) as ws:
        token = await token_of(http, "user_test")
        await ws.init({"Authorization": f"Bearer {token}"})
        op = await ws.subscribe(MAILBOX_EVENTS, {"since": "0"})
        assert [int(e["state"]) for e in await ws.events(op, 8)] == list(range(1, 9))


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer nope"}, {"authorization": "nope"}])
async def test_a_bad_or_missing_token_refuses_the_socket(
    settings: Settings, services: Services, db: Database, payload: dict[str, str]
) -> None:
    async with served(settings, services) as (_app, http), asgi_socket(http) as ws:
        await ws.send({"type": "connection_init", "payload": payload})
        assert await ws.expect_closed() == 4403


@pytest.mark.parametrize("state", ["99", "not-a-state"])
async def test_a_state_the_log_cannot_answer_is_bad_user_input(
    settings: Settings, services: Services, db: Database, state: str
) -> None:
    me = await make_user(db, "user_test")
    await deliver(db, me)
    async with served(settings, services) as (_app, http), asgi_socket(http) as ws:
        token = await token_of(http, "user_test")
        await ws.init({"Authorization": f"Bearer {token}"})
        op = await ws.subscribe(MAILBOX_EVENTS, {"since": state})
        with pytest.raises(OperationError) as failed:
            await ws.next_data(op)
    assert failed.value.codes == ["BAD_USER_INPUT"]
    assert failed.value.errors[0]["extensions"]["reason"] == "cannotCalculateChanges"


@pytest.mark.sqlite_only
async def test_a_consumer_too_far_behind_is_ended_with_its_last_state(
    settings: Settings, services: Services, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The subscriber holds one coalesced notification, never a queue of events; past the lag limit it ends."""
    monkeypatch.setattr(event_log, "MAX_LAG", 6)
    monkeypatch.setattr(event_log, "READ_BATCH", 2)
    me = await make_user(db, "user_test")
    async with served(settings, services) as (app, http):
        token = await token_of(http, "user_test")
        bus: EventBus = app.state.events
        context = await _socket_context(app, token)
        stream = await app.state.schema.subscribe(MAILBOX_EVENTS, context_value=context)
        first_result = asyncio.ensure_future(stream.__anext__())
        await subscribed(bus)
        await deliver(db, me, subject="first")
        result = await asyncio.wait_for(first_result, 5)
        assert result.data["mailboxEvents"]["state"] == "1"
        # The consumer does not ask for more while 5 messages (10 changes) arrive.
        for i in range(5):
            await deliver(db, me, subject=f"m{i}")
        (inbox,) = (i for subscribers in bus._topics.values() for i in subscribers)
        assert inbox.latest == 12
        result = await asyncio.wait_for(stream.__anext__(), 5)
        assert result.errors
        error = result.errors[0]
        assert error.extensions["code"] == "RATE_LIMITED"
        assert error.extensions["lastState"] == "1"
        assert "sinceState" in error.message
        await stream.aclose()
        assert bus.subscriber_count == 0


async def _socket_context(app: Starlette, token: str) -> Any:
    """The context a websocket gets once its connection_init was accepted."""
    view = next(r.endpoint for r in app.router.routes if isinstance(r, WebSocketRoute))
    scope = {"type": "websocket", "path": "/graphql", "headers": [], "client": ("127.0.0.1", 1), "query_string": b""}
    socket = WebSocket(scope, receive=None, send=None)  # type: ignore[arg-type]
    context = await view.get_context(socket, socket)
    context.connection_params = {"Authorization": f"Bearer {token}"}
    await view.on_ws_connect(context)
    return context


async def test_a_rolled_back_unit_of_work_publishes_nothing(
    settings: Settings, services: Services, db: Database
) -> None:
    me = await make_user(db, "user_test")
    async with served(settings, services) as (app, _http):
        bus: EventBus = app.state.events
        inbox = bus.subscribe(event_log.mailbox_topic(me.id))
        with pytest.raises(RuntimeError):
            async with db.write() as session:
                await record_changes(session, me.id, [ChangeEntry(ChangeKind.FOLDER_UPDATED, folder_id=1)])
                raise RuntimeError("rolled back")
        await asyncio.sleep(0.2)
        assert inbox.latest == 0
        await deliver(db, me)
        assert await inbox.wait(5)
        assert inbox.latest == 2
        bus.unsubscribe(inbox)
