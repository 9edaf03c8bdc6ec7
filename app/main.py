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
from app.events import make_event_bus
from app.file_store import file_routes
from app.files import download_attachment, download_message
from app.graphql import MailgateGraphQL
from app.limits import RequestSizeLimit
from app.settings import Settings, get_settings
from db.engine import Database
from db.migrate import upgrade
from resolvers.import_jobs import fail_abandoned_jobs, stop_jobs
from resolvers.links import LinkSigner
from resolvers.services import AuthPolicy, Services
from resolvers.token_cache import REVOKED_PREFIX, TokenCache
from schema.build import Limits, build_schema

log = logging.getLogger("mailgate")


def make_services(settings: Settings, db: Database | None = None) -> Services:
    """The process's services from its settings."""
    db = db or Database(settings.database_url)
    tokens = TokenCache(settings.token_cache_seconds)
    tokens.watch(db)
    return Services(
        db=db,
        tokens=tokens,
        links=LinkSigner(settings.resolved_secret_key(), settings.base_url, settings.link_ttl),
        auth=AuthPolicy(
            access_token_ttl=settings.access_token_ttl,
            refresh_token_ttl=settings.refresh_token_ttl,
            login_failures_allowed=settings.login_failures_allowed,
            login_address_failures_allowed=settings.login_address_failures_allowed,
            login_failure_window=settings.login_failure_window,
            login_lockout=settings.login_lockout,
        ),
        mail_domain=settings.mail_domain,
        max_upload_bytes=settings.max_upload_bytes,
        smtp_url=settings.smtp_url,
        smtp_retries=settings.smtp_retries,
        smtp_backoff=settings.smtp_backoff,
        change_log_days=settings.change_log_days,
    )


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
        )
    )
    events = make_event_bus(services.db)
    events.on_prefix(REVOKED_PREFIX, services.tokens.revoked)
    graphql_app = MailgateGraphQL(schema, services, graphiql=settings.graphiql, events=events)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade(services.db)
        if settings.demo_data:
            from app.demo import load_demo_data

            if await load_demo_data(services.db, domain=settings.mail_domain):
                log.info("demo data loaded: sign in as user_test / TestPassword")
        await events.start()
        await fail_abandoned_jobs(services.db)
        worker = BackgroundWorker(services)
        worker.start()
        yield
        await stop_jobs()
        await worker.stop()
        await events.stop()
        await services.db.dispose()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_app),
            Route("/files/attachment/{ident:int}", download_attachment),
            Route("/files/message/{ident:int}", download_message),
            *file_routes(),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.schema = schema
    app.state.events = events
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes)
    return app
