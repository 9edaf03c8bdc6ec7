"""An operator watches mailgate: a log line per operation, Prometheus metrics, health, readiness, traces."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app, make_services
from app.oplog import JsonFormatter
from app.settings import Settings
from db.engine import Database
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client

OPERATIONS = "mailgate.operations"


def operation_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == OPERATIONS]


def operations_key(name: str, kind: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    # Queries run on compiled plans; mutations (and anything else) on graphql-core.
    executor = "compiled" if kind == "query" else "generic"
    labels = (("executor", executor), ("operation_name", name), ("operation_type", kind))
    return ("mailgate_graphql_operations_total", labels)


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics answer, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_each_operation_leaves_one_log_line_with_what_an_operator_needs(
    client: Client, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    ann = await make_user(db, "ann")
    message_id = await deliver(db, ann)
    signed_in = await client.login("ann")
    caplog.clear()
    caplog.set_level(logging.INFO, logger=OPERATIONS)

    response = await signed_in.raw("query Inbox { folders { name } }", **{"x-request-id": "req-42"})
    assert response.status_code == 200
    await signed_in.raw('mutation { markAsRead(ids: ["999999"]) { __typename } }')
    batch = [
        {"query": "query One { me { id } }"},
        {
            "query": "mutation Two($ids: [ID!]!) { markAsRead(ids: $ids) { __typename } }",
            "variables": {"ids": [str(message_id)]},
        },
    ]
    await signed_in.http.post("/graphql", json=batch, headers={"authorization": f"Bearer {signed_in.token}"})

    records = operation_records(caplog)
    assert len(records) == 4
    first, failed, one, two = records
    expected = {
        "request_id": "req-42",
        "operation_name": "Inbox",
        "operation_type": "query",
        "viewer_id": ann.id,
        "error_codes": [],
        "executor": "compiled",  # a query runs on its compiled plan
    }
    assert {key: getattr(first, key) for key in expected} == expected
    assert first.duration_ms >= 0  # type: ignore[attr-defined]
    assert "Inbox" in first.getMessage() and "req-42" in first.getMessage()
    assert failed.operation_type == "mutation" and failed.operation_name is None  # type: ignore[attr-defined]
    assert failed.error_codes == ["NOT_FOUND"]  # type: ignore[attr-defined]
    assert (one.operation_name, two.operation_name) == ("One", "Two")  # type: ignore[attr-defined]
    assert one.request_id == two.request_id  # type: ignore[attr-defined]  # one request, two operations

    as_json = json.loads(JsonFormatter().format(first))
    assert as_json["message"] == first.getMessage()
    assert as_json["logger"] == OPERATIONS and as_json["level"] == "INFO"
    assert as_json["operation_name"] == "Inbox" and as_json["viewer_id"] == ann.id
    assert as_json["executor"] == "compiled" and as_json["error_codes"] == []


@pytest.mark.sqlite_only
async def test_a_request_refused_before_it_runs_is_logged_as_bad_user_input(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=OPERATIONS)
    await client.http.post("/graphql", json=[{"query": "{ __typename }"}, {"variables": {}}])
    records = operation_records(caplog)
    assert [r.error_codes for r in records] == [[], ["BAD_USER_INPUT"]]  # type: ignore[attr-defined]


async def test_metrics_count_operations_errors_and_read_the_state_gauges(settings: Settings, db: Database) -> None:
    # A relay is configured (nothing listens there, and no worker runs here): mail to outside stays queued.
    relaying = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:9"})
    app = create_app(relaying, make_services(relaying, db))
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await make_user(db, "ann")
        await metrics_walk_through(Client(http))


async def metrics_walk_through(client: Client) -> None:
    signed_in = await client.login("ann")
    for _ in range(3):
        await signed_in.data("query Inbox { folders { name } }")
    await signed_in.execute('query Missing { message(id: "424242") { id } folder(id: "0") { id } }')
    await signed_in.data(
        "mutation Send($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        {"i": {"to": ["Петров <petrov@outside.example>"], "subject": "Hi", "body": "Hello"}},
    )

    response = await client.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert (
        found[
            (
                "mailgate_graphql_operations_total",
                (("executor", "compiled"), ("operation_name", "Inbox"), ("operation_type", "query")),
            )
        ]
        == 3
    )
    assert found[("mailgate_graphql_operation_duration_seconds_count", (("operation_name", "Inbox"),))] == 3
    assert (
        found[
            (
                "mailgate_graphql_operations_total",
                (("executor", "generic"), ("operation_name", "Send"), ("operation_type", "mutation")),
            )
        ]
        == 1
    )
    assert found[("mailgate_outbox_queued", ())] == 1
    assert found[("mailgate_outbox_oldest_age_seconds", ())] >= 0
    assert found[("mailgate_db_pool_connections_in_use", ())] >= 0
    assert found[("mailgate_subscribers", ())] == 0
    assert found[("mailgate_event_bus_lag_seconds", ())] == 0
    errors = {labels: value for (name, labels), value in found.items() if name == "mailgate_graphql_errors_total"}
    assert sum(errors.values()) >= 1
    assert all(code != "INTERNAL_SERVER_ERROR" for ((_, code),) in errors)


@pytest.mark.sqlite_only
async def test_operation_names_from_clients_are_bounded_labels(client: Client) -> None:
    from app.metrics import MAX_OPERATION_NAMES

    metrics = client.http._transport.app.state.metrics  # type: ignore[attr-defined]
    for n in range(MAX_OPERATION_NAMES + 5):
        metrics.operation_label(f"Op{n}")
    assert metrics.operation_label("Op3") == "Op3"
    assert metrics.operation_label("Brand_new") == "(other)"
    assert metrics.operation_label(None) == "(anonymous)"


async def test_health_and_readiness_of_a_migrated_database(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "migrations": "at head"}


@pytest.mark.sqlite_only
async def test_not_ready_while_migrations_lag_or_the_database_is_down(settings: Settings, tmp_path: Path) -> None:
    behind = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"})
    down = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    for which, expected in ((behind, "run `mailgate migrate`"), (down, "does not answer")):
        services = make_services(which)
        app = create_app(which, services)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            assert (await http.get("/healthz")).status_code == 200  # the process itself is fine
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert expected in json.dumps(ready.json())
        await services.db.dispose()


@pytest.mark.sqlite_only
async def test_subscriptions_being_served_are_a_gauge(settings: Settings, services: object, db: Database) -> None:
    from httpx_ws.transport import ASGIWebSocketTransport

    from tests.schema.test_subscriptions import subscribed
    from tests.utils.ws import MAILBOX_EVENTS, asgi_socket

    await make_user(db, "ann")
    app = create_app(settings, services)  # type: ignore[arg-type]
    transport = ASGIWebSocketTransport(app=app, client=("127.0.0.1", 50000))
    async with app.state.events, httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        token = (await Client(http).login("ann")).token
        async with asgi_socket(http) as ws:
            await ws.init({"Authorization": f"Bearer {token}"})
            await ws.subscribe(MAILBOX_EVENTS)
            await subscribed(app.state.events)
            found = samples((await http.get("/metrics")).text)
            assert found[("mailgate_subscribers", ())] == 1


@pytest.mark.sqlite_only
async def test_operations_are_traced_with_opentelemetry_when_asked(
    settings: Settings, services: object, db: Database
) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the process's provider can be set once
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    await make_user(db, "ann")

    traced = settings.model_copy(update={"otel": True})
    app = create_app(traced, services)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        await Client(http).login("ann")
        await http.post("/graphql", json={"query": "query Names { __typename }"})
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert "GraphQL Query: Names" in spans
    assert {"GraphQL Parsing", "GraphQL Validation", "GraphQL Resolving: login"} <= set(spans)
    login = spans["GraphQL Resolving: login"]
    assert login.attributes is not None
    assert login.attributes["graphql.param.password"] == "[hidden]"
    assert login.attributes["graphql.param.login"] == "ann"
    assert spans["GraphQL Resolving: login"].parent.span_id == spans["GraphQL Query"].context.span_id  # type: ignore[union-attr]

    exporter.clear()
    untraced = create_app(settings, services)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=untraced), base_url="http://testserver") as http:
        await http.post("/graphql", json={"query": "query Names { __typename }"})
    assert exporter.get_finished_spans() == ()
    exporter.shutdown()  # the provider keeps the processor; a shut-down exporter drops what follows
