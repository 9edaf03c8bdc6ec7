"""Background imports of mail threads (startMailThreadImport), and reading their progress.

The upload is stored (``generated_files``, kind "upload"), an ``import_jobs`` row is
made (QUEUED), and an asyncio task of this process runs the import: RUNNING with its
total, ``processed`` after every batch of rows, then SUCCEEDED with the ImportResult
as JSON, or FAILED with a reason. Each change is published on the event bus
(topic ``import-job:<id>``) once committed, so importJobProgress wakes at once; it
also re-reads the row on its own, so a lost notification only delays it.

Nothing resumes a job: a process that stops cancels its jobs (FAILED), and a job
left RUNNING or QUEUED by a process that died is FAILED once its row has not moved
for ``STALE_AFTER`` seconds: at the next start of any process, or when it is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models import ImportJob, table_of
from db.reads import outside_request
from db.types import utcnow
from resolvers.errors import MailgateError, not_found, parse_id
from resolvers.generated_files import UPLOAD, read_file, remove_file
from resolvers.thread_sheets import ThreadImport, data_rows, header_row, open_sheet
from resolvers.viewer import Viewer

log = logging.getLogger("mailgate.imports")

J = table_of(ImportJob)

QUEUED, RUNNING, SUCCEEDED, FAILED = "QUEUED", "RUNNING", "SUCCEEDED", "FAILED"
ENDED = frozenset({SUCCEEDED, FAILED})
#: A QUEUED or RUNNING job whose row has not moved for this long belongs to a dead process.
STALE_AFTER = 300
ABANDONED = "the server stopped before the import ended"
#: How long the failed rows' report of a job stays downloadable (seconds).
REPORT_TTL = 24 * 3600

Publish = Callable[[str, int], Awaitable[None]]

#: The jobs this process runs, held so that they are not collected and can be stopped.
_TASKS: dict[int, asyncio.Task[None]] = {}
_POSITIONS = itertools.count(1)


def job_topic(job_id: int) -> str:
    """The event-bus topic that a job's changes are published on."""
    return f"import-job:{job_id}"


@dataclass(frozen=True, slots=True)
class ImportJobRecord:
    id: int
    owner_id: int
    status: str
    total: int | None
    processed: int
    result: dict[str, Any] | None
    error: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> ImportJobRecord:
        return cls(
            id=row["id"],
            owner_id=row["owner_id"],
            status=row["status"],
            total=row["total"],
            processed=row["processed"],
            result=row["result"],
            error=row["error"],
            updated_at=row["updated_at"],
        )

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def stale(self) -> bool:
        return not self.ended and self.updated_at < utcnow() - timedelta(seconds=STALE_AFTER)


async def create_job(session: AsyncSession, viewer: Viewer) -> ImportJobRecord:
    now = utcnow()
    values = {"owner_id": viewer.user_id, "status": QUEUED, "processed": 0, "created_at": now, "updated_at": now}
    job_id = int((await session.execute(insert(J).values(values).returning(J.c.id))).scalar_one())
    return ImportJobRecord(id=job_id, owner_id=viewer.user_id, status=QUEUED, total=None, processed=0,
                           result=None, error=None, updated_at=now)  # fmt: skip


async def get_job(db: Database, viewer: Viewer, job_id: str | int) -> ImportJobRecord:
    """The viewer's job (NOT_FOUND for anyone else's); one a dead process left is FAILED here."""
    ident = parse_id(job_id, "ImportJob")
    async with db.read() as session:
        row = (await session.execute(select(J).where(J.c.id == ident, J.c.owner_id == viewer.user_id))).mappings()
        found = row.first()
    if found is None:
        raise not_found("ImportJob", job_id)
    job = ImportJobRecord.from_row(found)
    if job.stale and job.id not in _TASKS:
        await fail_abandoned_jobs(db)
        return await get_job(db, viewer, job_id)
    return job


async def _set(db: Database, job_id: int, publish: Publish | None, **values: Any) -> None:
    async with db.write() as session:
        await session.execute(update(J).where(J.c.id == job_id).values(updated_at=utcnow(), **values))
    if publish is not None:
        with contextlib.suppress(Exception):
            await publish(job_topic(job_id), next(_POSITIONS))


def start_job(
    db: Database,
    viewer: Viewer,
    job: ImportJobRecord,
    upload_id: str,
    *,
    mapping: dict[str, str] | None,
    domain: str,
    publish: Publish | None = None,
) -> None:
    """Run the import of the stored upload in the background."""
    task = asyncio.create_task(
        _run(db, viewer, job.id, upload_id, mapping, domain, publish),
        name=f"mailgate-import-{job.id}",
        context=outside_request(),  # it outlives the request: its reads must not queue on the request's connection
    )
    _TASKS[job.id] = task
    task.add_done_callback(lambda _t: _TASKS.pop(job.id, None))


async def _run(
    db: Database,
    viewer: Viewer,
    job_id: int,
    upload_id: str,
    mapping: dict[str, str] | None,
    domain: str,
    publish: Publish | None,
) -> None:
    try:
        async with db.read() as session:
            stored = await read_file(session, upload_id, UPLOAD)
        if stored is None:
            raise MailgateError("the uploaded file is gone")
        data = stored[1]
        fmt, rows = open_sheet(data)
        headers = header_row(rows)
        total = await asyncio.to_thread(lambda: sum(1 for _ in data_rows(rows)))
        await _set(db, job_id, publish, status=RUNNING, total=total)
        job = ThreadImport(db, viewer, headers, fmt, mapping=mapping)
        rows = open_sheet(data)[1]
        next(rows)

        async def progress(processed: int) -> None:
            await _set(db, job_id, publish, processed=processed)

        await job.run(data_rows(rows), domain=domain, progress=progress)
        outcome = await job.finish(REPORT_TTL)
        await _set(db, job_id, publish, status=SUCCEEDED, processed=total, result=outcome.as_json())
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.shield(_set(db, job_id, publish, status=FAILED, error=ABANDONED))
        raise
    except MailgateError as exc:
        await _set(db, job_id, publish, status=FAILED, error=exc.message)
    except Exception:
        log.exception("import job %s failed", job_id)
        await _set(db, job_id, publish, status=FAILED, error="the import failed unexpectedly")
    finally:
        with contextlib.suppress(Exception):
            async with db.write() as session:
                await remove_file(session, upload_id)


async def fail_abandoned_jobs(db: Database) -> int:
    """FAILED for jobs left QUEUED or RUNNING by a process that died; returns how many."""
    cutoff = utcnow() - timedelta(seconds=STALE_AFTER)
    async with db.write() as session:
        result = await session.execute(
            update(J)
            .where(J.c.status.in_((QUEUED, RUNNING)), J.c.updated_at < cutoff, J.c.id.not_in(list(_TASKS) or [0]))
            .values(status=FAILED, error=ABANDONED, updated_at=utcnow())
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def stop_jobs() -> None:
    """Cancel this process's jobs (they end FAILED) and wait for them."""
    tasks = list(_TASKS.values())
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def wait_for_jobs() -> None:
    """Until this process's jobs have ended (tests, shutdown without cancelling)."""
    while _TASKS:
        await asyncio.gather(*list(_TASKS.values()), return_exceptions=True)
