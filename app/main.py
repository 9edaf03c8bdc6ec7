"""The Starlette application: GraphQL on /graphql, signed files on /files."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from app.background import BackgroundWorker
from app.cors import add_cors
from app.events import make_event_bus
from app.file_store import file_routes
from app.files import download_attachment, download_message
from app.graphiql import graphiql_assets
from app.graphql import MailgateGraphQL
from app.health import healthz, readyz
from app.json_guard import JsonGuard
from app.limits import RequestSizeLimit
from app.metrics import Metrics, metrics_endpoint
from app.oplog import RecordOperation
from app.proxies import TrustedProxies, parse_networks
from app.rest import rest_routes
from app.services import make_services
from app.settings import Settings, get_settings
from app.startup import log_startup
from app.tracing import tracing_extensions
from db.migrate import upgrade
from resolvers.import_jobs import fail_abandoned_jobs, stop_jobs
from resolvers.services import Services
from resolvers.token_cache import REVOKED_PREFIX
from schema.build import Limits, build_schema
from schema.execution.persisted import PersistedDocuments, load_manifest

log = logging.getLogger("mailgate")


async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def home(_request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """The ASGI app. ``services`` may be given (tests); else they come from ``settings``."""
    settings = settings or get_settings()
    services = services or make_services(settings)
    schema = build_schema(
        Limits(
            max_depth=settings.max_query_depth,
            max_tokens=settings.max_query_tokens,
            max_aliases=settings.max_query_aliases,
            max_introspection_depth=settings.max_introspection_depth,
            max_cost=settings.max_query_cost,
            introspection=settings.introspection,
        ),
        document_cache_size=settings.document_cache_size,
        compiled_execution=settings.compiled_execution,
        verify_execution=settings.executor_verify,
        extra_extensions=[RecordOperation, *tracing_extensions(settings.otel)],
    )
    events = make_event_bus(services.db)
    events.on_prefix(REVOKED_PREFIX, services.tokens.revoked)
    trusted = load_manifest(settings.trusted_documents) if settings.trusted_documents else None
    graphql_app = MailgateGraphQL(
        schema,
        services,
        graphiql=settings.graphiql,
        events=events,
        persisted=PersistedDocuments(trusted),
        max_batch=settings.max_batch,
        allowed_origins=settings.cors_origins,
    )
    graphql_app.metrics = metrics = Metrics(services.db, events)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log_startup(settings)
        if settings.migrate_on_start:
            await upgrade(services.db)
        if settings.demo_data:
            from app.demo import load_demo_data

            if await load_demo_data(services.db, domain=settings.mail_domain):
                log.info("demo data loaded: sign in as user_test / TestPassword")
        await events.start()
        await fail_abandoned_jobs(services)
        worker = BackgroundWorker(services)
        worker.start()
        yield
        await stop_jobs(services)
        await worker.stop()
        await events.stop()
        await services.db.dispose()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            Route("/files/attachment/{ident:int}", download_attachment),
            Route("/files/message/{ident:int}", download_message),
            *file_routes(),
            graphiql_assets(),
            *rest_routes(),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.schema = schema
    app.state.events = events
    app.state.metrics = metrics
    # Added last, RequestSizeLimit runs first and bounds what JsonGuard reads.
    app.add_middleware(JsonGuard, max_depth=settings.max_json_depth, max_bytes=settings.max_json_bytes)
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes)
    add_cors(app, settings)
    # Outermost: everything below (the login throttle, logs) sees the real client address.
    app.add_middleware(TrustedProxies, trusted=parse_networks(settings.trusted_proxies))
    return app
