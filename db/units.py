"""Units of work that survive what a busy database does to them.

``run_write(db, fn)`` runs ``fn(session)`` in one transaction and commits it. When
the database gives the transaction up for a reason that says nothing about the
request (a deadlock, a serialization failure, ``database is locked``, the
connection lost before COMMIT), the WHOLE unit runs again on a fresh session, a
bounded number of times: ``fn`` must do all its reads and writes through the
session it is given and keep nothing from a failed attempt.

A connection lost while COMMIT was in flight is different: the change may or may
not be in the database, so it is never retried; the caller gets
``WriteUnavailable(outcome_unknown=True)`` and a client can look at
``messageChanges`` to see what happened.

``session.info[UNIT_MEMO]`` is a dict that lives across the attempts of one unit:
what an attempt learned late (say, another mailbox owner whose lock must come
first) is there for the next one, which raises ``StartAgain`` to ask for it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from db.engine import Database

log = logging.getLogger("mailgate.db")

T = TypeVar("T")

#: Key in ``session.info``: the memo shared by the attempts of one unit of work.
UNIT_MEMO = "mailgate.unit_memo"
#: Attempts of one unit of work before the client is told to come back later.
ATTEMPTS = 8
#: SQLSTATEs after which PostgreSQL has rolled the transaction back and a retry is safe.
RETRYABLE_STATES = frozenset({"40001", "40P01", "55P03"})
#: SQLSTATE classes and codes that mean the connection is gone.
LOST_CLASSES = ("08",)
LOST_STATES = frozenset({"57P01", "57P02", "57P03"})


class StartAgain(Exception):
    """Raised inside a unit of work: roll back and run it again (see ``UNIT_MEMO``)."""


class WriteUnavailable(Exception):
    """The database could not take the write now; ``code`` is what a client sees.

    ``outcome_unknown`` is true when the connection died during COMMIT: the write may
    have happened, so the client should check ``messageChanges`` before trying again.
    """

    code = "UNAVAILABLE"

    def __init__(self, message: str, *, outcome_unknown: bool) -> None:
        super().__init__(message)
        self.message = message
        self.outcome_unknown = outcome_unknown


def sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE behind a driver error, if the driver gave one."""
    seen: BaseException | None = getattr(error, "orig", None) or error
    for _ in range(4):
        if seen is None:
            break
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str):
            return state
        seen = seen.__cause__
    return None


def connection_lost(error: DBAPIError) -> bool:
    """Whether ``error`` says the connection (not the statement) failed."""
    if error.connection_invalidated:
        return True
    state = sqlstate(error)
    return state is not None and (state.startswith(LOST_CLASSES) or state in LOST_STATES)


def retryable(error: DBAPIError) -> bool:
    """Whether the transaction was given up for reasons that a fresh attempt may not meet."""
    if connection_lost(error) or sqlstate(error) in RETRYABLE_STATES:
        return True
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database table is locked" in text


def unit_memo(session: AsyncSession) -> dict[str, Any] | None:
    """The memo of the unit of work ``session`` belongs to (None outside ``run_write``)."""
    memo = session.info.get(UNIT_MEMO)
    return memo if isinstance(memo, dict) else None


async def run_write(db: Database, fn: Callable[[AsyncSession], Awaitable[T]], *, attempts: int = ATTEMPTS) -> T:
    """Run ``fn`` in one committed unit of work, again from scratch when the database asks.

    Domain errors and anything else ``fn`` raises propagate after a rollback, unretried.
    """
    memo: dict[str, Any] = {}
    for attempt in range(1, attempts + 1):
        fn_done = False
        try:
            async with db.write() as session:
                session.info[UNIT_MEMO] = memo
                result = await fn(session)
                fn_done = True  # what raises from here on is COMMIT's
            return result
        except StartAgain:
            if attempt == attempts:
                raise WriteUnavailable(
                    "the server is busy; nothing was changed, try again", outcome_unknown=False
                ) from None
            continue
        except DBAPIError as error:
            if fn_done and connection_lost(error):
                log.warning("connection lost during COMMIT: outcome unknown (%s)", type(error.orig).__name__)
                raise WriteUnavailable(
                    "the database connection was lost while this change was being committed; it may or may "
                    "not have been applied: check messageChanges before trying again",
                    outcome_unknown=True,
                ) from error
            if not retryable(error):
                raise
            if attempt == attempts:
                log.warning("write given up after %d attempts: %s", attempts, sqlstate(error) or error.orig)
                raise WriteUnavailable(
                    "the server is busy; nothing was changed, try again", outcome_unknown=False
                ) from error
            log.info("write attempt %d failed (%s); running it again", attempt, sqlstate(error) or "locked/lost")
            # Jittered backoff so that the transactions that collided do not collide again.
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311  (jitter, not a secret)
    raise AssertionError("unreachable")
