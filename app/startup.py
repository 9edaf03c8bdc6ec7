"""What the server says when it starts: where it answers and where mail to outside goes.

An operator reading the first lines of the log learns the GraphQL, health and metrics
URLs, the database (without its password) and the SMTP relay (host, port, TLS mode,
user; never the password), or that there is none and mail to outside addresses fails.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import make_url

from app.settings import Settings
from resolvers.formats.relay import RelayConfig, RelayConfigError

log = logging.getLogger("mailgate")


def relay_description(smtp_url: str | None) -> str:
    """The relay as a log line may show it: no password."""
    if not smtp_url:
        return "none: mail to outside addresses fails (set MAILGATE_SMTP_URL to relay it)"
    try:
        relay = RelayConfig.from_url(smtp_url)
    except RelayConfigError as exc:
        return f"MAILGATE_SMTP_URL is not usable ({exc}): mail to outside addresses fails"
    tls = (
        "TLS"
        if relay.use_tls
        else {True: "STARTTLS required", False: "no STARTTLS", None: "STARTTLS if offered"}[relay.start_tls]
    )
    who = f" as {relay.username}" if relay.username else ""
    return f"{relay.hostname}:{relay.port} ({tls}){who}"


def log_startup(settings: Settings) -> None:
    """One line each: the URLs served, the database, the relay."""
    base = settings.base_url
    log.info(
        "mailgate listening: GraphQL %s/graphql, health %s/healthz and %s/readyz, metrics %s/metrics",
        base,
        base,
        base,
        base,
        extra={"listen": base, "graphql_url": f"{base}/graphql"},
    )
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    log.info("database: %s", database, extra={"database": database})
    relay = relay_description(settings.smtp_url)
    log.info("SMTP relay: %s", relay, extra={"relay": relay})
