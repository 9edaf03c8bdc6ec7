"""startMailThreadImport, importJob and Subscription.importJobProgress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import insert, select

from app.main import create_app
from app.settings import Settings
from db.engine import Database
from db.models import ImportJob, MailThread, table_of
from db.types import utcnow
from resolvers.import_jobs import wait_for_jobs
from resolvers.services import Services
from tests.schema.test_thread_import import csv_bytes, import_file, post_file
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.ws import asgi_socket

START = """mutation($file: Upload!, $mapping: JSON) { startMailThreadImport(file: $file, columnMapping: $mapping) {
  id status total processed result { created } error } }"""
JOB = """query($id: ID!) { importJob(id: $id) {
  id status total processed error
  result { created updated failed errors { row column message } errorReport { url fileName } } } }"""
PROGRESS = """subscription($id: ID!) { importJobProgress(id: $id) { id status total processed result { created } } }"""
ROWS = 5000
MAPPING = {"Key": "id", "Title": "name"}

T = table_of(MailThread)
J = table_of(ImportJob)


def big_sheet(rows: int = ROWS) -> bytes:
    return csv_bytes([["Key", "Title", "Note"], *([f"key-{i:05}", f"Тред {i}", "ignored"] for i in range(rows))])


async def thread_count(db: Database) -> int:
    async with db.read() as session:
        return len((await session.execute(select(T.c.id))).all())


async def test_a_background_import_reports_progress_until_it_succeeds(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    job = (await import_file(me, START, big_sheet(), "big.csv", {"mapping": MAPPING}))["startMailThreadImport"]
    assert job["status"] == "QUEUED"
    assert (job["processed"], job["result"], job["error"]) == (0, None, None)
    seen: list[tuple[str, int]] = []
    async with asyncio.timeout(120):
        while True:
            now = (await me.data(JOB, {"id": job["id"]}))["importJob"]
            seen.append((now["status"], now["processed"]))
            if now["status"] in ("SUCCEEDED", "FAILED"):
                break
            await asyncio.sleep(0.05)
    assert now["status"] == "SUCCEEDED", now
    assert (now["total"], now["processed"]) == (ROWS, ROWS)
    assert now["result"] == {"created": ROWS, "updated": 0, "failed": 0, "errors": [], "errorReport": None}
    running = {processed for status, processed in seen if status == "RUNNING"}
    assert len(running) >= 3, seen
    processed = [p for _, p in seen]
    assert processed == sorted(processed)
    assert await thread_count(db) == ROWS


async def test_a_background_import_with_failures_has_an_error_report(
    db: Database, services: Services, client: Client, http: httpx.AsyncClient
) -> None:
    await make_user(db, "user_test")
    await make_user(db, "user_other")
    me = await client.login("user_test")
    data = csv_bytes([["Ключ", "Title"], ["a", "ok"], ["a", "twice"], ["", ""], ["b", ""]])
    mapping = {"ключ": "id", "TITLE": "name"}  # headers match case-insensitively
    job = (await import_file(me, START, data, "t.csv", {"mapping": mapping}))["startMailThreadImport"]
    await wait_for_jobs(services)
    done = (await me.data(JOB, {"id": job["id"]}))["importJob"]
    assert (done["status"], done["total"], done["processed"]) == ("SUCCEEDED", 3, 3)
    result = done["result"]
    assert (result["created"], result["updated"], result["failed"]) == (1, 0, 2)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "id"), (5, "name")]
    report = await http.get(result["errorReport"]["url"])
    assert report.status_code == 200
    assert report.content.decode("utf-8-sig").splitlines()[0] == "Ключ,Title,error"
    # Owner only: someone else's job is NOT_FOUND, like a missing one.
    them = await client.login("user_other")
    assert await them.error_codes(JOB, {"id": job["id"]}) == ["NOT_FOUND"]
    assert await them.error_codes(JOB, {"id": "999999"}) == ["NOT_FOUND"]


async def test_bad_column_mappings_are_refused_at_once(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    data = csv_bytes([["Title"], ["x"]])
    for mapping in (["Title"], "Title", 5, {"Title": "subject"}, {"Title": 1}, {"Other": "name"}):
        body = await post_file(me, START, data, "t.csv", {"mapping": mapping})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], (mapping, body)
    async with db.read() as session:
        assert (await session.execute(select(J.c.id))).first() is None


@pytest.mark.sqlite_only
async def test_a_job_left_running_by_a_dead_process_is_failed(db: Database, client: Client) -> None:
    me_rec = await make_user(db, "user_test")
    long_ago = utcnow() - timedelta(hours=1)
    async with db.write() as session:
        values = {"owner_id": me_rec.id, "status": "RUNNING", "total": 10, "processed": 3}
        statement = insert(J).values(**values, created_at=long_ago, updated_at=long_ago).returning(J.c.id)
        job_id = (await session.execute(statement)).scalar_one()
    me = await client.login("user_test")
    job = (await me.data(JOB, {"id": str(job_id)}))["importJob"]
    assert (job["status"], job["processed"]) == ("FAILED", 3)
    assert "stopped" in job["error"]


@asynccontextmanager
async def served(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (event bus, jobs) and an HTTP + websocket client, entered in the test's task."""
    application = create_app(settings, services)
    transport = ASGIWebSocketTransport(app=application, client=("127.0.0.1", 50000))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


async def test_import_job_progress_subscription_follows_the_job_to_its_end(
    settings: Settings, services: Services, db: Database
) -> None:
    await make_user(db, "user_test")
    async with served(settings, services) as http:
        me = await Client(http).login("user_test")
        job = (await import_file(me, START, big_sheet(), "big.csv", {"mapping": MAPPING}))["startMailThreadImport"]
        updates: list[dict[str, Any]] = []
        async with asgi_socket(http) as ws:
            await ws.init({"Authorization": f"Bearer {me.token}"})
            op = await ws.subscribe(PROGRESS, {"id": job["id"]})
            while not updates or updates[-1]["status"] not in ("SUCCEEDED", "FAILED"):
                updates.append((await ws.next_data(op, timeout=60))["importJobProgress"])
            ended = await ws.receive(10)
            assert (ended["id"], ended["type"]) == (op, "complete")
            codes = await ws_error_codes(ws, {"id": "424242"})
        await wait_for_jobs(services)
    assert updates[-1]["status"] == "SUCCEEDED"
    assert updates[-1]["result"] == {"created": ROWS}
    processed = [u["processed"] for u in updates]
    assert processed == sorted(processed)
    assert len({u["processed"] for u in updates if u["status"] == "RUNNING"}) >= 3, updates
    assert codes == ["NOT_FOUND"]


async def ws_error_codes(ws: Any, variables: dict[str, Any]) -> list[str | None]:
    from tests.utils.ws import OperationError

    op = await ws.subscribe(PROGRESS, variables)
    with pytest.raises(OperationError) as failed:
        await ws.next_data(op, timeout=10)
    return failed.value.codes
