"""A request's reads: one connection, taken at the first read, used in turns.

``Database.request()`` opens a :class:`ReadScope` and makes it current (a
context variable, so that every task the request spawns — graphql-core's field
tasks, aiodataloader's batches — finds it). Inside, ``Database.read()`` hands
out the scope's one session under a lock: batches are few, so waiting costs
nothing, and two statements never share the connection at once. A read block
nested in another on the same task gets the same session without waiting.

Reads run in autocommit, so a statement that meets a dead connection can be
retried as it is on a fresh one: :class:`ReadSession` does that once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import await_

from db.units import connection_lost

if TYPE_CHECKING:
    from db.engine import Database

_CURRENT: contextvars.ContextVar[ReadScope | None] = contextvars.ContextVar("mailgate_read_scope", default=None)


def current_scope(db: Database) -> ReadScope | None:
    """The open read scope of ``db`` in this context, if any."""
    scope = _CURRENT.get()
    if scope is None or scope.db is not db or scope.closed:
        return None
    return scope


def outside_request() -> contextvars.Context:
    """A copy of the current context without the request's read scope: for background
    tasks started by a request, which outlive it and must not queue on its connection."""
    context = contextvars.copy_context()
    context.run(_CURRENT.set, None)
    return context


class ReadSession(Session):
    """A read session: a statement that fails on a dead connection is retried on a fresh one.

    The session runs in autocommit, so nothing of a transaction is lost with the
    connection; only reads go through it, so running the statement again is safe.
    """

    #: Tries of one statement: a fresh connection can meet the same fate while a server
    #: restarts or an operator ends backends in rounds; past this the error stands.
    ATTEMPTS = 4

    # Session.execute, scalar, scalars and get all run through _execute_internal.
    def _execute_internal(self, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, self.ATTEMPTS + 1):
            try:
                return super()._execute_internal(*args, **kwargs)
            except DBAPIError as exc:
                if not connection_lost(exc) or attempt == self.ATTEMPTS:
                    raise
                if not exc.connection_invalidated:
                    # asyncpg's "closed in the middle of operation" is not a disconnect to SQLAlchemy.
                    with contextlib.suppress(Exception):
                        self.connection().invalidate()
            # The pool has dropped the dead connection; rolling back the session lets go of it,
            # and the next statement checks out a fresh one, after a short wait (0.1, 0.2, 0.4 s)
            # so that one burst of failures does not use up every try.
            self.rollback()
            await_(asyncio.sleep(0.05 * 2**attempt))
        raise AssertionError("unreachable")


class ReadScope:
    """The reads of one request: one session (so one pooled connection) and a lock."""

    __slots__ = ("_holder", "_lock", "_make_session", "_session", "closed", "db")

    def __init__(self, db: Database, make_session: Callable[[], AsyncSession]) -> None:
        self.db = db
        self._make_session = make_session
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        self.closed = False

    @classmethod
    @asynccontextmanager
    async def open(cls, db: Database, make_session: Callable[[], AsyncSession]) -> AsyncIterator[ReadScope]:
        """A scope that is current for the block (and the tasks it starts), then closed."""
        scope = cls(db, make_session)
        token = _CURRENT.set(scope)
        try:
            yield scope
        finally:
            _CURRENT.reset(token)
            await scope.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """The scope's session, for one read block at a time."""
        task = asyncio.current_task()
        if self._holder is not None and self._holder is task:
            yield self._session_now()  # nested on the same task: it holds the turn already
            return
        async with self._lock:
            if self.closed:  # a late task, queued while the request ended: a short session of its own
                async with self._make_session() as session:
                    yield session
                return
            self._holder = task
            try:
                yield self._session_now()
            finally:
                self._holder = None

    def _session_now(self) -> AsyncSession:
        if self._session is None:
            self._session = self._make_session()  # the connection itself is taken at its first statement
        return self._session

    async def close(self) -> None:
        """Give the connection back; reads after this (a late task) open short sessions."""
        self.closed = True
        async with self._lock:
            session, self._session = self._session, None
            if session is not None:
                await session.close()
