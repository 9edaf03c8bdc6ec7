"""Prometheus metrics at GET /metrics, with prometheus-client.

Each app has its own registry (a test makes many apps; a process serves one).
Operations are counted as they end (app/oplog.py hands over their facts); what is a
state rather than an event (connections in use, the outbox, subscribers, the event
bus) is read when Prometheus scrapes, so an idle process reports current values.

Operation names come from clients, so they are labels only up to
``MAX_OPERATION_NAMES`` distinct names; later new names count as "(other)".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from resolvers.outbox import outbox_backlog

if TYPE_CHECKING:
    from app.events import EventBus
    from app.oplog import OperationFacts
    from db.engine import Database

log = logging.getLogger("mailgate.metrics")

MAX_OPERATION_NAMES = 200
#: From 1 ms to 10 s: a list page is milliseconds, an export seconds.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The process's meters, in a registry of their own."""

    def __init__(self, db: Database, events: EventBus | None = None) -> None:
        self.db = db
        self.events = events
        self.registry = CollectorRegistry(auto_describe=True)
        self._names: set[str] = set()
        r = self.registry
        self.operations = Counter(
            "mailgate_graphql_operations",
            "GraphQL operations answered, by name, type and executor.",
            ["operation_name", "operation_type", "executor"],
            registry=r,
        )
        self.duration = Histogram(
            "mailgate_graphql_operation_duration_seconds",
            "Time to answer a GraphQL operation, by operation name.",
            ["operation_name"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "mailgate_graphql_errors", "Errors in GraphQL answers, by extensions.code.", ["code"], registry=r
        )
        self.pool_in_use = Gauge(
            "mailgate_db_pool_connections_in_use", "Database connections checked out of the pools.", registry=r
        )
        self.outbox_depth = Gauge("mailgate_outbox_queued", "Outbox rows waiting to be relayed.", registry=r)
        self.outbox_age = Gauge(
            "mailgate_outbox_oldest_age_seconds", "Age of the oldest queued outbox row's message (0: none).", registry=r
        )
        self.subscribers = Gauge(
            "mailgate_subscribers", "Subscriptions this process is serving (event bus subscribers).", registry=r
        )
        self.bus_lag = Gauge(
            "mailgate_event_bus_lag_seconds",
            "How long the oldest committed change has waited to be published to other processes (0: none).",
            registry=r,
        )

    def operation_label(self, name: str | None) -> str:
        """The label for an operation name, bounded in number."""
        if not name:
            return "(anonymous)"
        name = name[:64]
        if name not in self._names:
            if len(self._names) >= MAX_OPERATION_NAMES:
                return "(other)"
            self._names.add(name)
        return name

    def observe_operation(self, facts: OperationFacts) -> None:
        """Count one answered operation."""
        name = self.operation_label(facts.name)
        self.operations.labels(name, facts.type or "unknown", facts.executor).inc()
        self.duration.labels(name).observe(facts.duration_ms / 1000)
        for code in facts.error_codes:
            self.errors.labels(code).inc()

    async def refresh(self) -> None:
        """Read the state gauges: pools, outbox, subscribers, event bus."""
        in_use = 0
        for engine in self.db.engines:
            checkedout = getattr(engine.sync_engine.pool, "checkedout", None)
            in_use += int(checkedout()) if callable(checkedout) else 0
        self.pool_in_use.set(in_use)
        async with self.db.read() as session:
            depth, oldest = await outbox_backlog(session)
        self.outbox_depth.set(depth)
        self.outbox_age.set(max(0.0, (datetime.now(UTC) - oldest).total_seconds()) if oldest else 0.0)
        if self.events is not None:
            self.subscribers.set(self.events.subscriber_count)
            self.bus_lag.set(self.events.lag_seconds())

    def exposition(self) -> bytes:
        """The registry in Prometheus's text format."""
        return generate_latest(self.registry)


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics: the app's metrics; the state gauges are read now."""
    metrics: Metrics = request.app.state.metrics
    try:
        await metrics.refresh()
    except Exception:
        # The counters still answer when the database does not; /readyz says why.
        log.warning("metrics: could not read the database-backed gauges", exc_info=True)
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
