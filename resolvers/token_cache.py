"""Sign-in without a query: a token's viewer, kept in the process for a few seconds.

A revocation (logout, revokeApiToken, refresh rotation) notes what it revoked
in the unit of work (:func:`note_revoked`); the event bus publishes it with the
commit, and every process's cache drops the token at once (:meth:`TokenCache.revoked`).
The short lifetime bounds what a lost notification could cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from db.engine import Database
from db.types import utcnow
from resolvers.viewer import Viewer

#: Where a unit of work notes the tokens it revoked, for the event bus to publish after commit.
REVOKED = "mailgate.revoked_tokens"
#: Topics of revocations on the event bus: ``auth:revoked:token:<id>`` and ``auth:revoked:session:<id>``.
REVOKED_PREFIX = "auth:revoked:"


def token_topic(token_id: int) -> str:
    return f"{REVOKED_PREFIX}token:{token_id}"


def session_topic(session_id: str) -> str:
    return f"{REVOKED_PREFIX}session:{session_id}"


def note_revoked(session: AsyncSession, *, token_ids: tuple[int, ...] = (), session_ids: tuple[str, ...] = ()) -> None:
    """Tell every process, once this unit of work commits, that these tokens no longer sign in."""
    topics: set[str] = session.info.setdefault(REVOKED, set())
    topics.update(token_topic(t) for t in token_ids)
    topics.update(session_topic(s) for s in session_ids)


@dataclass(frozen=True, slots=True)
class _Entry:
    viewer: Viewer
    until: float  # time.monotonic()


class TokenCache:
    """token hash -> viewer, for at most ``ttl`` seconds and never past the token's expiry."""

    __slots__ = ("_entries", "ttl")

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, _Entry] = {}

    def get(self, digest: str) -> Viewer | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.until <= time.monotonic():
            del self._entries[digest]
            return None
        return entry.viewer

    def put(self, digest: str, viewer: Viewer, expires_at: datetime | None) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) > 100_000:  # a flood of distinct tokens: start over rather than grow
            self._entries.clear()
        now = time.monotonic()
        until = now + self.ttl
        if expires_at is not None:
            until = min(until, now + (expires_at - utcnow()).total_seconds())
        self._entries[digest] = _Entry(viewer, until)

    def revoked(self, topic: str) -> None:
        """Drop whatever a revocation topic names (a token id or a session id)."""
        kind, _, ident = topic.removeprefix(REVOKED_PREFIX).partition(":")
        if kind == "token":
            doomed = [d for d, e in self._entries.items() if str(e.viewer.token_id) == ident]
        elif kind == "session":
            doomed = [d for d, e in self._entries.items() if e.viewer.session_id == ident]
        else:
            return
        for digest in doomed:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        self._entries.clear()

    def watch(self, db: Database) -> None:
        """Drop what ``db``'s units of work revoke as soon as they commit (this process;
        the event bus tells the others)."""
        event.listen(db.write_session_class, "after_commit", self._after_commit)
        event.listen(db.write_session_class, "after_rollback", _forget)

    def _after_commit(self, session: Session) -> None:
        for topic in session.info.pop(REVOKED, ()):
            self.revoked(topic)


def _forget(session: Session) -> None:
    session.info.pop(REVOKED, None)
