"""What a request sends to the database, counted below SQLAlchemy.

On PostgreSQL every message the app sends goes through a loopback proxy that
counts round trips (statements, prepares, BEGIN, COMMIT, ROLLBACK, pings); on
SQLite, SQLite's trace callback counts statements and transaction control.
A request's reads share one connection in autocommit, the loaders' batches of
one tick go as one statement, and a warm token costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.settings import Settings
from db.engine import Database, async_url
from tests.utils.databases import PostgresTemplate, SqliteTemplate, postgres_admin_url
from tests.utils.factories import deliver, folder_id, make_label, make_thread, make_user
from tests.utils.graphql import Client
from tests.utils.roundtrips import PostgresWire, RoundTrips

LIST_PAGE = """query($folderId: ID!, $first: Int) { messages(folderId: $folderId, first: $first) {
  nodes { id subject date wasRead from { address } folder { id name } thread { id name }
          labels { id name } attachments { fileName size mimeType } } } }"""

MESSAGE = """query($id: ID!) { message(id: $id) {
  id owner { id login } folder { id name } thread { id name } subject body htmlBody
  from { name address } to { address } cc { address } bcc { address } date wasRead important wasReplied
  isDeleted hasAttachments size messageId labels { name } attachments { id fileName mimeType size } } }"""

FOLDER_COUNTS = "{ folders { id name role parent { id } sortOrder totalCount unreadCount } }"


@pytest.fixture
def wire(backend: str, request: pytest.FixtureRequest) -> Iterator[PostgresWire | None]:
    if backend != "postgresql":
        yield None
        return
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    proxy = PostgresWire(template.url_or_skip()).start()
    yield proxy
    proxy.close()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, sqlite_template: SqliteTemplate, wire: PostgresWire | None) -> str:
    """The test database, reached through the counting proxy on PostgreSQL."""
    return sqlite_template.copy_to(tmp_path) if wire is None else wire.url_string()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A token cache, as in production: a warm token signs in without a round trip. Longer than
    production's 5 s so that a slow machine (coverage, both executors) cannot expire it mid-test."""
    return settings.model_copy(update={"token_cache_seconds": 120.0})


@pytest.fixture
def trips(db: Database, wire: PostgresWire | None) -> RoundTrips:
    return RoundTrips(db, wire)


async def mailbox(db: Database, messages: int) -> str:
    """user_test with ``messages`` messages in INBOX, each with labels, a thread and two files."""
    user = await make_user(db, "user_test")
    labels = [(await make_label(db, user, f"label {i}")).id for i in range(3)]
    threads = [await make_thread(db, user, f"thread {i}") for i in range(5)]
    for i in range(messages):
        await deliver(
            db, user, subject=f"message {i}", thread_id=threads[i % 5], label_ids=labels[: 1 + i % 3],
            files=[(f"file {i}.txt", "text/plain", f"{i}".encode()), ("same.txt", "text/plain", b"same")],
        )  # fmt: skip
    return str(await folder_id(db, user, "INBOX"))


async def test_a_list_page_costs_three_round_trips_for_1_and_for_50(
    trips: RoundTrips, db: Database, client: Client
) -> None:
    inbox = await mailbox(db, 50)
    me = await client.login("user_test")
    for first in (1, 50, 1, 50):  # warm: prepared statements and the token cache
        await me.data(LIST_PAGE, {"folderId": inbox, "first": first})

    sent = {}
    for first in (1, 50):
        with trips.counting() as seen:
            nodes = (await me.data(LIST_PAGE, {"folderId": inbox, "first": first}))["messages"]["nodes"]
        assert len(nodes) == first
        assert all(n["folder"] and n["thread"] and n["labels"] and len(n["attachments"]) == 2 for n in nodes)
        sent[first] = seen
    assert len(sent[1]) == len(sent[50]), sent
    assert len(sent[50]) <= 3, sent[50]
    assert not [t for t in sent[50] if any(w in t.upper() for w in ("BEGIN", "COMMIT", "ROLLBACK"))], sent[50]


async def test_a_message_with_every_field_costs_three_round_trips(
    trips: RoundTrips, db: Database, client: Client
) -> None:
    await mailbox(db, 5)
    me = await client.login("user_test")
    page = await me.data(LIST_PAGE, {"folderId": await inbox_of(db), "first": 5})
    ident = page["messages"]["nodes"][0]["id"]
    await me.data(MESSAGE, {"id": ident})
    await me.data(MESSAGE, {"id": ident})

    with trips.counting() as seen:
        message = (await me.data(MESSAGE, {"id": ident}))["message"]
    assert message["owner"]["login"] == "user_test" and message["folder"]["name"] and message["thread"]["name"]
    assert message["body"] is not None and len(message["attachments"]) == 2 and message["labels"]
    assert len(seen) <= 3, seen


async def test_folder_counts_cost_two_round_trips_even_signing_in(
    trips: RoundTrips, db: Database, client: Client
) -> None:
    await mailbox(db, 3)
    me = await client.login("user_test")
    await me.data(FOLDER_COUNTS)
    await me.data(FOLDER_COUNTS)
    with trips.counting() as seen:
        folders = (await me.data(FOLDER_COUNTS))["folders"]
    assert {f["role"] for f in folders} >= {"INBOX", "SENT", "TRASH"}
    assert len(seen) <= 2, seen


async def test_a_dead_connection_is_replaced_and_the_read_retried(
    trips: RoundTrips, db: Database, client: Client, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL has connections to kill")
    inbox = await mailbox(db, 3)
    me = await client.login("user_test")
    await me.data(LIST_PAGE, {"folderId": inbox, "first": 3})
    # Every connection to this test's database dies, the pooled ones included (killed from outside).
    admin = create_async_engine(async_url(postgres_admin_url()), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            killed = (
                await conn.execute(
                    text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": make_url(db.url).database},
                )
            ).scalar_one()
    finally:
        await admin.dispose()
    assert killed >= 1
    with trips.counting() as seen:
        nodes = (await me.data(LIST_PAGE, {"folderId": inbox, "first": 3}))["messages"]["nodes"]
    assert len(nodes) == 3
    assert not [t for t in seen if t == "Q ;" or "BEGIN" in t], seen  # no ping, no transaction: a retry


async def inbox_of(db: Database) -> str:
    async with db.read() as session:
        row = (await session.execute(text("SELECT id FROM folders WHERE role = 'INBOX'"))).scalar_one()
    return str(row)
