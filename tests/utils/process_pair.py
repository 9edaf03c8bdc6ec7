"""Two mailgate processes (real uvicorn) on one fresh PostgreSQL database, for the cross-process tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import async_url
from tests.utils.databases import postgres_admin_url, postgres_required
from tests.utils.servers import ROOT
from tests.utils.smtp import free_port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(url: str, tmp: Path, name: str) -> Server:
    port = free_port()
    log = tmp / f"{name}.log"
    env = {
        **os.environ,
        "MAILGATE_DATABASE_URL": url,
        "MAILGATE_MIGRATE_ON_START": "1",
        "MAILGATE_SECRET_KEY": "e2e-secret-key",
        "MAILGATE_VAR_DIR": str(tmp / name),
        "MAILGATE_PORT": str(port),
        "MAILGATE_DEMO_DATA": "0",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(process, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{server.http}/health", timeout=1).status_code == 200:
                return server
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"{name} did not answer /health in 30s:\n{log.read_text()[-4000:]}")


async def admin(statement: str) -> None:
    """Run ``statement`` on the PostgreSQL server as the admin URL's user, outside a transaction."""
    engine = create_async_engine(async_url(postgres_admin_url()), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def e2e_database(prefix: str, what: str) -> Iterator[str]:
    """A fresh PostgreSQL database for a module's servers (its URL), dropped afterwards;
    skipped, or failed where PostgreSQL is required, when the server does not answer."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(asyncio.wait_for(admin(f'CREATE DATABASE "{name}"'), 10))
    except Exception as exc:
        message = f"PostgreSQL at {postgres_admin_url()} did not answer ({exc}); {what} skipped"
        if postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    yield make_url(async_url(postgres_admin_url())).set(database=name).render_as_string(hide_password=False)
    asyncio.run(asyncio.wait_for(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'), 20))


def two_servers(database_url: str, tmp: Path) -> Iterator[tuple[Server, Server]]:
    """Two mailgate processes on one database, the first of which migrates it."""
    first = start_server(database_url, tmp, "process1")  # migrates the fresh database
    try:
        second = start_server(database_url, tmp, "process2")
    except BaseException:
        first.stop()
        raise
    try:
        yield first, second
    finally:
        second.stop()
        first.stop()
