"""Work the server does on its own: relaying the outbox, removing stale uploads.

Started and stopped by the app's lifespan. The relay loop runs a pass every
``relay_interval`` seconds, or at once when sendMessage queues mail in this
process (``resolvers.outbox.nudge``); other processes find the rows on their
next poll. The cleanup loop removes staged uploads older than a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from db.types import utcnow
from resolvers.outbox import register_waker, relay_due, unregister_waker
from resolvers.services import Services
from resolvers.uploads import STAGED_TTL_SECONDS, remove_stale_uploads

log = logging.getLogger("mailgate.background")


class BackgroundWorker:
    def __init__(self, services: Services, *, relay_interval: float = 5.0, cleanup_interval: float = 3600.0) -> None:
        self.services = services
        self.relay_interval = relay_interval
        self.cleanup_interval = cleanup_interval
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()

    def start(self) -> None:
        register_waker(self.services, self._wake)
        self._tasks = [
            asyncio.create_task(self._relay_loop(), name="mailgate-relay"),
            asyncio.create_task(self._cleanup_loop(), name="mailgate-upload-cleanup"),
        ]

    async def stop(self) -> None:
        unregister_waker(self.services, self._wake)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _relay_loop(self) -> None:
        while True:
            try:
                result = await relay_due(self.services)
                busy = result.sent + result.failed + result.retrying > 0
            except Exception:
                log.exception("relay pass failed")
                busy = False
            if busy:
                continue  # there may be more due rows than one batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.relay_interval)
            self._wake.clear()

    async def _cleanup_loop(self) -> None:
        while True:
            try:
                cutoff = utcnow() - timedelta(seconds=STAGED_TTL_SECONDS)
                async with self.services.db.write() as session:
                    removed = await remove_stale_uploads(session, cutoff)
                if removed:
                    log.info("removed %d staged uploads older than a day", removed)
            except Exception:
                log.exception("upload cleanup failed")
            await asyncio.sleep(self.cleanup_interval)
