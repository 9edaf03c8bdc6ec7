"""Health for load balancers and orchestrators: /healthz (the process) and /readyz (it can serve).

/healthz answers 200 while the process runs its event loop: a liveness probe restarts
a process that stops answering it. /readyz answers 200 only when the database answers
and its migrations are at head, else 503 with the reason: a readiness probe keeps
traffic away from a process that would fail every request (database down, or a new
version started before ``mailgate migrate``). Neither needs a token, and neither says
more than ok or what is missing.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from db.migrate import revisions

log = logging.getLogger("mailgate.health")


async def healthz(_request: Request) -> Response:
    """The process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database answers and is migrated to head: 200; else 503 with what is wrong."""
    db = request.app.state.services.db
    try:
        current, heads = await revisions(db)
    except Exception as exc:
        log.warning("readyz: the database does not answer (%s: %s)", type(exc).__name__, exc)
        return JSONResponse({"status": "unavailable", "database": "does not answer"}, status_code=503)
    if current != heads:
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "ok",
                "migrations": f"at {sorted(current) or 'none'}, head is {sorted(heads)}: run `mailgate migrate`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "migrations": "at head"})
