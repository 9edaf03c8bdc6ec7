"""What the operations need from the process, handed in by the edge (app/)."""

from __future__ import annotations

from dataclasses import dataclass, field

from db.engine import Database
from resolvers.links import LinkSigner
from resolvers.token_cache import TokenCache


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    login_failures_allowed: int = 5
    #: Failures from one client address (over any accounts) before the address is locked.
    login_address_failures_allowed: int = 20
    login_failure_window: int = 60
    login_lockout: int = 300


@dataclass(slots=True)
class Services:
    """The database, the link signer and the policies of one process."""

    db: Database
    links: LinkSigner
    auth: AuthPolicy
    mail_domain: str = "mailgate.local"
    max_upload_bytes: int = 25 * 1024 * 1024
    smtp_url: str | None = None
    smtp_retries: int = 3
    smtp_backoff: float = 2.0
    change_log_days: int = 30
    #: Viewers of recently seen tokens (a lifetime of 0 keeps none).
    tokens: TokenCache = field(default_factory=lambda: TokenCache(0))
