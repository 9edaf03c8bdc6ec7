"""Test databases: a migrated SQLite file per test, and one PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import Database, async_url
from db.migrate import upgrade

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("MAILGATE_TEST_DATABASE_URL") or DEFAULT_POSTGRES


def postgres_required() -> bool:
    """CI (and .ci/run) must fail, not skip, when PostgreSQL does not answer."""
    return bool(os.environ.get("CI")) or os.environ.get("MAILGATE_REQUIRE_POSTGRES") == "1"


async def _create_postgres(admin_url: str, name: str) -> str:
    engine = create_async_engine(async_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    url = make_url(async_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    return url


async def _drop_postgres(admin_url: str, name: str) -> None:
    engine = create_async_engine(async_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


class PostgresTemplate:
    """One migrated database for the run; each test starts from empty tables."""

    def __init__(self) -> None:
        self.admin_url = postgres_admin_url()
        self.name = f"mailgate_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.url: str | None = None
        self.error: str | None = None

    def start(self) -> None:
        try:
            self.url = asyncio.run(_create_postgres(self.admin_url, self.name))
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        if self.url:
            asyncio.run(_drop_postgres(self.admin_url, self.name))

    def url_or_skip(self) -> str:
        if self.url is None:
            message = f"PostgreSQL at {self.admin_url} did not answer ({self.error}); PostgreSQL tests skipped"
            if postgres_required():
                pytest.fail(message)
            pytest.skip(message)
        return self.url


TABLES = (
    "message_search, message_labels, attachments, message_bodies, outbox, sent_requests, messages, "
    "conversation_folders, conversations, contact_terms, contacts, identities, "
    "changes, followers, tracking_snapshots, mail_threads, labels, folders, import_jobs, "
    "auth_tokens, login_failures, login_lockouts, blobs, users"
)


async def reset_postgres(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))


class SqliteTemplate:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"

    def start(self) -> None:
        async def migrate() -> None:
            db = Database(f"sqlite+aiosqlite:///{self.path}")
            await upgrade(db)
            await db.dispose()

        asyncio.run(migrate())

    def copy_to(self, directory: Path) -> str:
        target = directory / "mailgate.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"
