"""The process's services from its settings (light: the SMTP server needs them without the web app)."""

from __future__ import annotations

from app.settings import Settings
from db.engine import Database
from resolvers.links import LinkSigner
from resolvers.services import AuthPolicy, Services
from resolvers.token_cache import TokenCache


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
