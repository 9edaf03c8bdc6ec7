"""The outbox: external recipients of sent mail, relayed over SMTP with retries.

``relay_due`` is one pass of the relay worker (app/background.py runs it in a
loop; tests call it directly):

1. claim the due rows (QUEUED, next_attempt_at <= now) in a short write: each
   claimed row gets attempts + 1 and a lease (next_attempt_at pushed out), so a
   second worker or process skips it (PostgreSQL: FOR UPDATE SKIP LOCKED);
2. per message, build the RFC 5322 bytes from the sender's copy (never with
   Bcc) and relay them to its claimed recipients in one SMTP transaction;
3. per message, write what happened in one unit of work: a delivered row is
   SENT; a refused one (5xx) or one out of attempts is FAILED, with an entry in
   the sender's copy's delivery_errors; a temporary failure waits
   ``smtp_backoff * 2 ** (attempts - 1)`` seconds. The copy's deliveryStatus
   is QUEUED while a row is queued, then FAILED if any failed, else SENT; the
   change is logged (MESSAGE updated).

A row makes 1 + ``smtp_retries`` attempts. Deleting the sender's copy drops
its outbox rows (ON DELETE CASCADE): what was not relayed yet is not sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChangeKind, DeliveryStatus, Message, OutboxEntry, table_of
from db.types import utcnow
from resolvers.changelog import ChangeEntry, record_changes
from resolvers.envelopes import stored_envelope
from resolvers.formats.mime import build_email
from resolvers.formats.relay import Outcome, RelayConfig, RelayConfigError, relay
from resolvers.services import Services

log = logging.getLogger("mailgate.outbox")

O = table_of(OutboxEntry)  # noqa: E741
M = table_of(Message)
LEASE_SECONDS = 300
BATCH = 100


@dataclass(slots=True)
class Claimed:
    id: int
    message_id: int
    recipient: str
    attempts: int


@dataclass(slots=True)
class PassResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0


_wakers: set[object] = set()


def register_waker(waker: object) -> None:
    """A running worker's asyncio.Event, set by ``nudge`` when mail is queued."""
    _wakers.add(waker)


def unregister_waker(waker: object) -> None:
    _wakers.discard(waker)


def nudge() -> None:
    """Tell the relay workers of this process that there is mail to relay now."""
    for waker in list(_wakers):
        waker.set()  # type: ignore[attr-defined]


async def claim_due(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[Claimed]:
    statement = (
        select(O.c.id, O.c.message_id, O.c.recipient, O.c.attempts)
        .where(O.c.status == DeliveryStatus.QUEUED, O.c.next_attempt_at <= now)
        .order_by(O.c.next_attempt_at, O.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = (await session.execute(statement)).all()
    if not rows:
        return []
    await session.execute(
        update(O)
        .where(O.c.id.in_([r.id for r in rows]))
        .values(attempts=O.c.attempts + 1, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
    )
    return [Claimed(r.id, r.message_id, r.recipient, r.attempts + 1) for r in rows]


async def outgoing_source(session: AsyncSession, message_id: int) -> tuple[bytes, str] | None:
    """What recipients get of the sender's copy (no Bcc header), and the envelope sender."""
    stored = await stored_envelope(session, message_id)
    if stored is None:
        return None
    row, env = stored
    return build_email(env, include_bcc=False).as_bytes(), row["from_address"]


def backoff_seconds(services: Services, attempts: int) -> float:
    return float(services.smtp_backoff) * (2 ** max(attempts - 1, 0))


async def record_outcomes(
    session: AsyncSession,
    services: Services,
    message_id: int,
    claimed: list[Claimed],
    outcomes: list[Outcome],
    now: datetime,
    result: PassResult,
) -> None:
    """Write the outcome of one message's relay, and the sender's copy's delivery status."""
    by_recipient = {o.recipient: o for o in outcomes}
    new_errors = []
    for entry in claimed:
        outcome = by_recipient.get(entry.recipient) or Outcome(entry.recipient, False, True, "not attempted")
        values: dict[str, Any]
        if outcome.ok:
            values = {"status": DeliveryStatus.SENT, "last_error": None}
            result.sent += 1
        elif not outcome.temporary or entry.attempts > services.smtp_retries:
            values = {"status": DeliveryStatus.FAILED, "last_error": outcome.message}
            tries = f" (after {entry.attempts} attempts)" if outcome.temporary else ""
            new_errors.append({"recipient": entry.recipient, "message": outcome.message + tries, "at": now.isoformat()})
            result.failed += 1
        else:
            values = {
                "last_error": outcome.message,
                "next_attempt_at": now + timedelta(seconds=backoff_seconds(services, entry.attempts)),
            }
            result.retrying += 1
        await session.execute(update(O).where(O.c.id == entry.id).values(values))
    await settle_message(session, message_id, new_errors)


async def settle_message(session: AsyncSession, message_id: int, new_errors: list[dict[str, str]]) -> None:
    """Set the sender's copy's deliveryStatus from its outbox rows, and log the change."""
    row = (
        (
            await session.execute(
                select(M.c.owner_id, M.c.folder_id, M.c.delivery_status, M.c.delivery_errors).where(
                    M.c.id == message_id
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return
    statuses = {r[0] for r in await session.execute(select(O.c.status).where(O.c.message_id == message_id))}
    errors = list(row["delivery_errors"] or []) + new_errors
    if DeliveryStatus.QUEUED in statuses:
        status = DeliveryStatus.QUEUED
    elif DeliveryStatus.FAILED in statuses or errors:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.SENT
    if status == row["delivery_status"] and not new_errors:
        return
    await session.execute(
        update(M)
        .where(M.c.id == message_id)
        .values(delivery_status=status, delivery_errors=errors, updated_at=utcnow())
    )
    await record_changes(session, row["owner_id"], [ChangeEntry(ChangeKind.UPDATED, message_id, row["folder_id"])])


async def relay_due(services: Services, *, now: datetime | None = None, limit: int = BATCH) -> PassResult:
    """One pass of the relay worker over the rows due at ``now``."""
    now = now or utcnow()
    result = PassResult()
    async with services.db.read() as session:
        due = (
            await session.execute(
                select(O.c.id).where(O.c.status == DeliveryStatus.QUEUED, O.c.next_attempt_at <= now).limit(1)
            )
        ).first()
    if due is None:
        return result  # nothing to do: no write lock taken (SQLite has one writer at a time)
    async with services.db.write() as session:
        claimed = await claim_due(session, now, limit)
    if not claimed:
        return result
    config: RelayConfig | None = None
    config_error = "no SMTP relay is configured (MAILGATE_SMTP_URL)"
    if services.smtp_url:
        try:
            config = RelayConfig.from_url(services.smtp_url)
        except RelayConfigError as error:
            config_error = str(error)
    groups: dict[int, list[Claimed]] = defaultdict(list)
    for entry in claimed:
        groups[entry.message_id].append(entry)
    for message_id, entries in groups.items():
        recipients = [e.recipient for e in entries]
        async with services.db.read() as session:
            source = await outgoing_source(session, message_id)
        if source is None:
            continue  # the sender's copy was deleted; its rows went with it
        if config is None:
            outcomes = [Outcome(r, False, False, config_error) for r in recipients]
        else:
            data, sender = source
            outcomes = await relay(config, data, sender, recipients)
        for o in outcomes:
            if not o.ok:
                log.info("relay of message %s to %s: %s", message_id, o.recipient, o.message)
        async with services.db.write() as session:
            await record_outcomes(session, services, message_id, entries, outcomes, utcnow(), result)
    return result
