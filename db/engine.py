"""Engines and sessions: a request's reads on one connection, and one unit of work per write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from db.reads import ReadScope, ReadSession, current_scope


def async_url(url: str) -> str:
    """The URL with an async driver: plain postgresql:// and sqlite:// are accepted too."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class Database:
    """The process's database: one engine, or two on SQLite.

    SQLite lets one writer in at a time; a transaction that reads first and
    writes later can fail to upgrade its lock, so writes start with
    ``BEGIN IMMEDIATE`` on an engine of their own while reads stay deferred.

    Reads run in autocommit (no BEGIN, no ROLLBACK: each statement is its own
    snapshot) on connections taken without a pre-ping; a statement that meets a
    dead connection is retried once on a fresh one (``db.reads.ReadSession``).
    Inside :meth:`request` every read of the request shares one connection.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        # orjson decodes JSON columns: the stdlib's json.loads was a visible share of a list page.
        options: dict[str, Any] = {"echo": echo, "json_deserializer": orjson.loads}
        if self.is_sqlite:
            self.engine = create_async_engine(self.url, **options)
            self.write_engine = create_async_engine(self.url, **options)
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.write_engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.write_engine.sync_engine, "connect", _autocommit_driver)
            event.listen(self.write_engine.sync_engine, "begin", _begin_immediate)
        else:
            # No pre-ping: it cost a round trip (three, outside a transaction) on every checkout.
            self.engine = create_async_engine(self.url, pool_size=10, max_overflow=20, **options)
            self.write_engine = self.engine
        # Reads share the pool of ``engine`` in autocommit: on PostgreSQL no BEGIN/ROLLBACK
        # pair around them. pysqlite never opens a transaction for a SELECT anyway, and
        # switching its isolation level would cost a thread hop per checkout.
        self.read_engine = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._readers = async_sessionmaker(self.read_engine, expire_on_commit=False, sync_session_class=ReadSession)
        #: The sync Session class of units of work, so that commit hooks (the event bus) can listen on it.
        self.write_session_class: type[Session] = type("WriteSession", (Session,), {})
        self._writers = async_sessionmaker(
            self.write_engine, expire_on_commit=False, sync_session_class=self.write_session_class
        )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine, for listeners that count statements."""
        if self.write_engine is self.engine:
            return (self.engine,)
        return (self.engine, self.write_engine)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading: the request's shared one inside :meth:`request`, else a short one."""
        scope = current_scope(self)
        if scope is not None:
            async with scope.read() as session:
                yield session
            return
        async with self._readers() as session:
            yield session

    @asynccontextmanager
    async def request(self) -> AsyncIterator[ReadScope]:
        """The reads of one request, on one connection taken at the first read and
        given back when the block ends; loader batches take turns on it."""
        async with ReadScope.open(self, self._readers) as scope:
            yield scope

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        async with self._writers() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        for engine in self.engines:
            await engine.dispose()


def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event, not the driver, open transactions.
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_name(session: AsyncSession) -> str:
    """The database a session talks to: "sqlite" or "postgresql"."""
    bind = session.bind
    if bind is None:
        raise RuntimeError("the session is not bound to an engine")
    return bind.dialect.name
