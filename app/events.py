"""The event bus: after a unit of work commits, tell subscribers which topics moved.

A notification is ``(topic, position)`` and nothing else: for a mailbox the
topic is ``mailbox:<owner id>`` and the position the owner's modseq after the
commit. Subscribers read what happened from the change log
(``resolvers/events.py``), so the bus may coalesce, repeat or lose a
notification without a subscriber missing an event: after the PostgreSQL
listener reconnects, every subscriber is told to re-read from its last state.

- ``LocalEventBus``: fan-out inside the process (SQLite; PostgreSQL with one process).
- ``PostgresEventBus``: the same, plus ``pg_notify`` after commit and one
  dedicated ``LISTEN`` connection per process, reconnected with backoff.

Other topics (an import job's progress, say) use ``publish(topic, position)``.
Token revocations (``resolvers/token_cache.py``) travel on the bus too: on
PostgreSQL their NOTIFY is sent inside the revoking transaction, so it is
delivered with the commit, before the revoking request is answered; whoever
registered with :meth:`EventBus.on_prefix` hears them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.engine import Database
from resolvers.changelog import CHANGED_OWNERS
from resolvers.events import Inbox, mailbox_topic
from resolvers.token_cache import REVOKED

log = logging.getLogger("mailgate.events")

CHANNEL = "mailgate_changes"
LISTENER_APPLICATION_NAME = "mailgate-listener"


class EventBus:
    """In-process fan-out: the interface every bus has, and the whole of the local one."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._topics: dict[str, set[Inbox]] = {}
        self._prefixes: list[tuple[str, Callable[[str], None]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hooked = False

    # -- subscribers -------------------------------------------------------

    def subscribe(self, topic: str) -> Inbox:
        """An inbox that is notified of every position published on ``topic`` from now on."""
        inbox = Inbox(topic)
        self._topics.setdefault(topic, set()).add(inbox)
        return inbox

    def unsubscribe(self, inbox: Inbox) -> None:
        subscribers = self._topics.get(inbox.topic)
        if subscribers is not None:
            subscribers.discard(inbox)
            if not subscribers:
                del self._topics[inbox.topic]

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._topics.values())

    def on_prefix(self, prefix: str, callback: Callable[[str], None]) -> None:
        """Call ``callback(topic)`` for every topic starting with ``prefix`` that reaches this process."""
        self._prefixes.append((prefix, callback))

    def deliver(self, topic: str, position: int) -> None:
        """Notify this process's subscribers of ``topic``."""
        for inbox in tuple(self._topics.get(topic, ())):
            inbox.notify(position)
        for prefix, callback in self._prefixes:
            if topic.startswith(prefix):
                callback(topic)

    def resync_all(self) -> None:
        """Tell every subscriber to re-read from its last position (notifications may be lost)."""
        for subscribers in tuple(self._topics.values()):
            for inbox in tuple(subscribers):
                inbox.request_resync()

    # -- publishers --------------------------------------------------------

    async def publish(self, topic: str, position: int) -> None:
        """Publish one position on a topic, here and in every other process."""
        self.publish_many({topic: position})

    def publish_many(self, positions: dict[str, int]) -> None:
        for topic, position in positions.items():
            self.deliver(topic, position)
        self._send_remote(positions)

    def _send_remote(self, positions: dict[str, int]) -> None:
        """Other processes: nothing to do for the local bus."""

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Publish after every commit of the database's units of work."""
        self._loop = asyncio.get_running_loop()
        if not self._hooked:
            event.listen(self.db.write_session_class, "after_commit", self._after_commit)
            event.listen(self.db.write_session_class, "after_rollback", self._after_rollback)
            self._hooked = True

    async def stop(self) -> None:
        if self._hooked:
            event.remove(self.db.write_session_class, "after_commit", self._after_commit)
            event.remove(self.db.write_session_class, "after_rollback", self._after_rollback)
            self._hooked = False
        self.resync_all()

    async def __aenter__(self) -> EventBus:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # -- the commit hook ---------------------------------------------------

    def _after_commit(self, session: Session) -> None:
        changed: dict[int, int] | None = session.info.pop(CHANGED_OWNERS, None)
        if not changed:
            return
        positions = {mailbox_topic(owner): int(modseq) for owner, modseq in changed.items()}
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        # The hook runs inside SQLAlchemy's commit; publish once the loop gets control back.
        loop.call_soon_threadsafe(self.publish_many, positions)

    @staticmethod
    def _after_rollback(session: Session) -> None:
        session.info.pop(CHANGED_OWNERS, None)


class LocalEventBus(EventBus):
    """Subscribers and writers in one process."""


class PostgresEventBus(EventBus):
    """Fan-out across processes with PostgreSQL LISTEN/NOTIFY.

    Writers send ``SELECT pg_notify(...)`` on a pooled connection after their
    transaction committed (never inside it); a background task coalesces what
    is pending per topic. Each process holds one dedicated asyncpg connection
    that LISTENs; when it drops (restart, ``pg_terminate_backend``) it is
    reconnected with backoff and every subscriber re-reads the log.
    """

    #: Reconnect backoff, seconds: doubles from min to max, with jitter.
    backoff_min = 0.1
    backoff_max = 5.0
    #: How often the idle listener checks that its connection still answers.
    ping_interval = 5.0
    ping_timeout = 5.0

    def __init__(
        self, db: Database, *, channel: str = CHANNEL, application_name: str = LISTENER_APPLICATION_NAME
    ) -> None:
        super().__init__(db)
        self.channel = channel
        #: Shown in pg_stat_activity, with the process id: which listener belongs to which process.
        self.application_name = f"{application_name}:{os.getpid()}"
        url = make_url(db.url)
        self.dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connected = asyncio.Event()
        #: How many times the listener connected (1 after start, +1 per reconnect).
        self.connections = 0
        self._pending: dict[str, int] = {}
        self._pending_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self, *, wait_connected: float = 5.0) -> None:
        await super().start()
        if not event.contains(self.db.write_session_class, "before_commit", self._notify_revoked):
            event.listen(self.db.write_session_class, "before_commit", self._notify_revoked)
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="mailgate-events-listener"),
            asyncio.create_task(self._send_forever(), name="mailgate-events-sender"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), wait_connected)

    async def stop(self) -> None:
        self._stopping = True
        if event.contains(self.db.write_session_class, "before_commit", self._notify_revoked):
            event.remove(self.db.write_session_class, "before_commit", self._notify_revoked)
        await super().stop()
        if self._pending:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._notify(self._take_pending()), 2.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    # -- sending -----------------------------------------------------------

    def _send_remote(self, positions: dict[str, int]) -> None:
        for topic, position in positions.items():
            if position > self._pending.get(topic, -1):
                self._pending[topic] = position
        self._pending_ready.set()

    def _take_pending(self) -> dict[str, int]:
        batch, self._pending = self._pending, {}
        return batch

    async def _send_forever(self) -> None:
        backoff = self.backoff_min
        while True:
            await self._pending_ready.wait()
            self._pending_ready.clear()
            batch = self._take_pending()
            if not batch:
                continue
            try:
                await self._notify(batch)
                backoff = self.backoff_min
            except Exception as exc:
                # Keep what could not be sent (it merges with newer positions) and retry.
                log.warning("pg_notify failed (%s: %s); retrying in %.1fs", type(exc).__name__, exc, backoff)
                for topic, position in batch.items():
                    if position > self._pending.get(topic, -1):
                        self._pending[topic] = position
                self._pending_ready.set()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max)

    async def _notify(self, batch: dict[str, int]) -> None:
        payloads = [f"{topic} {position}" for topic, position in batch.items()]
        async with self.db.engine.connect() as conn:
            await conn.execute(
                text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p"),
                {"channel": self.channel, "payloads": payloads},
            )
            await conn.commit()

    def _notify_revoked(self, session: Session) -> None:
        """Revocations are told inside their transaction: PostgreSQL delivers the NOTIFY with
        the commit, so no process can serve a revoked token once the revoker has its answer."""
        topics = session.info.get(REVOKED)
        if topics:
            session.execute(
                text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p"),
                {"channel": self.channel, "payloads": [f"{topic} 0" for topic in sorted(topics)]},
            )

    # -- listening ---------------------------------------------------------

    def _on_notification(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        topic, _, position = payload.rpartition(" ")
        if topic and position.isdigit():
            self.deliver(topic, int(position))

    async def _listen_forever(self) -> None:
        backoff = self.backoff_min
        while not self._stopping:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(
                    self.dsn, timeout=10, server_settings={"application_name": self.application_name}
                )
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(self.channel, self._on_notification)
                self.connections += 1
                self.connected.set()
                backoff = self.backoff_min
                # Whatever was committed while nobody listened is only in the log: re-read it.
                self.resync_all()
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), self.ping_interval)
                        break
                    await asyncio.wait_for(conn.fetchval("SELECT 1"), self.ping_timeout)
                log.warning("event listener lost its PostgreSQL connection; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event listener: %s: %s; reconnecting in %.1fs", type(exc).__name__, exc, backoff)
            finally:
                self.connected.clear()
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            if self._stopping:
                break
            await asyncio.sleep(backoff * (1 + random.random() / 2))  # noqa: S311 - jitter, not secrets
            backoff = min(backoff * 2, self.backoff_max)


def make_event_bus(db: Database, kind: str = "auto") -> EventBus:
    """The bus for ``db``: LISTEN/NOTIFY on PostgreSQL (unless ``kind`` is "local"), local on SQLite."""
    if kind == "postgres" or (kind == "auto" and not db.is_sqlite):
        return PostgresEventBus(db)
    return LocalEventBus(db)
