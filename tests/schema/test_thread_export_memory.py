"""An export streams: ten times the threads must not take (anywhere near) ten times the memory."""

from __future__ import annotations

import tracemalloc
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio
import pytest
from sqlalchemy import insert

from app.main import create_app
from app.settings import Settings
from db.engine import Database
from db.models import Follower, MailThread, table_of
from db.types import utcnow
from resolvers.records import UserRecord
from resolvers.services import Services
from tests.schema.test_thread_export import EXPORT
from tests.utils.factories import make_user
from tests.utils.graphql import Client

#: Threads of the small and of the large export, per format: openpyxl without lxml writes about
#: 5,000 rows a second (far fewer under tracemalloc), so the XLSX case is smaller to stay fast.
SIZES = {"CSV": (2_000, 20_000), "XLSX": (1_000, 10_000)}


async def many_threads(db: Database, user: UserRecord, count: int) -> None:
    """``count`` threads that ``user`` follows, inserted with one executemany each."""
    now = utcnow()
    threads = [
        {"id": f"{user.login}-{i:06}", "name": f"Тред номер {i} — {user.login}", "name_key": f"тред номер {i}",
         "created_by": user.id, "created_at": now, "updated_at": now}
        for i in range(count)
    ]  # fmt: skip
    async with db.write() as session:
        await session.execute(insert(table_of(MailThread)), threads)
        followers = [{"thread_id": t["id"], "user_id": user.id, "since": now} for t in threads]
        await session.execute(insert(table_of(Follower)), followers)


async def fetch_and_discard(app: Any, url: str) -> tuple[int, int]:
    """GET ``url`` from the ASGI app, dropping the body as it arrives; (status, bytes received)."""
    parts = urlsplit(url)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(parts.path),
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent = False
    never = anyio.Event()
    status, size = 0, 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await never.wait()  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(scope, receive, send)
    return status, size


async def export_peak(app: Any, client: Client, fmt: str) -> tuple[int, int]:
    """(peak traced bytes while the export is made and sent, its size)."""
    url = (await client.data(EXPORT, {"format": fmt}))["exportMailThreads"]["url"]
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    status, size = await fetch_and_discard(app, url)
    assert status == 200
    return tracemalloc.get_traced_memory()[1] - base, size


@pytest.mark.sqlite_only
@pytest.mark.parametrize("fmt", ["XLSX", "CSV"])
async def test_exporting_ten_times_the_threads_keeps_memory_flat(
    db: Database, client: Client, settings: Settings, services: Services, fmt: str
) -> None:
    small = await make_user(db, "small")
    large = await make_user(db, "large")
    await many_threads(db, small, SIZES[fmt][0])
    await many_threads(db, large, SIZES[fmt][1])
    app = create_app(settings, services)
    as_small, as_large = await client.login("small"), await client.login("large")
    await export_peak(app, as_small, fmt)  # warm up: imports, statement caches
    tracemalloc.start()
    try:
        small_peak, small_size = await export_peak(app, as_small, fmt)
        large_peak, large_size = await export_peak(app, as_large, fmt)
    finally:
        tracemalloc.stop()
    assert large_size > 5 * small_size
    # Holding the rows would take well over 100 bytes a thread (its id and its name are two str
    # objects of 50+ bytes each), so 9,000 or 18,000 more threads would add 0.9 or 1.8 MB at least.
    # Streaming in batches of 1,000 adds only what grows with the file itself (a compressed XLSX
    # is spooled before it is sent).
    extra = SIZES[fmt][1] - SIZES[fmt][0]
    assert large_peak - small_peak < extra * 100, (small_peak, large_peak)
    print(fmt, small_peak, large_peak)
