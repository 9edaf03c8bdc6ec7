"""Fixtures: each test gets a fresh database (SQLite and PostgreSQL), the app and a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from app.main import create_app, make_services
from app.settings import Settings
from db.engine import Database
from resolvers import auth, users
from resolvers.services import Services
from tests.utils.databases import PostgresTemplate, SqliteTemplate, reset_postgres
from tests.utils.graphql import Client


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with tiny costs: the same code path, a hundred times faster than production's."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "password_hasher", cheap)
    monkeypatch.setattr(auth, "password_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("not a real password"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))
    template.start()
    return template


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    template = PostgresTemplate()
    template.start()
    yield template
    template.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite"] if metafunc.definition.get_closest_marker("sqlite_only") else ["sqlite", "postgresql"]
        metafunc.parametrize("backend", backends)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, sqlite_template: SqliteTemplate, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return sqlite_template.copy_to(tmp_path)
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    return template.url_or_skip()


@pytest.fixture
async def db(database_url: str, backend: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if backend == "postgresql":
        await reset_postgres(database)
    yield database
    # A query cut short by an error leaves sibling fields' reads running as tasks;
    # let them finish so their connections go back before the pool closes.
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if pending:
        await asyncio.wait(pending, timeout=10)
    await database.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        secret_key="test-secret-key",
        public_url="http://testserver",
        migrate_on_start=False,
        demo_data=False,
        # Tests that edit token rows behind the app's back expect the next request to see it;
        # the token cache has tests of its own (tests/schema/test_token_cache.py).
        token_cache_seconds=0,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def services(settings: Settings, db: Database) -> Services:
    return make_services(settings, db)


@pytest.fixture
async def http(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, services)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient) -> Client:
    return Client(http)
