"""Settings from ``MAILGATE_*`` environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Everything the process reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="MAILGATE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    #: Where links point to; derived from host and port when unset.
    public_url: str | None = None
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR}/mailgate.db"
    secret_key: str | None = None
    var_dir: Path = VAR_DIR
    demo_data: bool = False
    #: Apply migrations when the server starts.
    migrate_on_start: bool = True

    access_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    link_ttl: int = 3600
    login_failures_allowed: int = 5
    login_address_failures_allowed: int = 20
    login_failure_window: int = 60
    login_lockout: int = 300
    #: How long a token's viewer is kept in the process, seconds (0: look every token up).
    #: Logout and revocation reach every process through the event bus at once.
    token_cache_seconds: float = 5.0

    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_query_aliases: int = 30
    max_introspection_depth: int = 8
    max_request_bytes: int = 30 * 1024 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024

    smtp_url: str | None = None
    smtp_retries: int = 3
    smtp_backoff: float = 2.0
    mail_domain: str = "mailgate.local"

    change_log_days: int = 30
    graphiql: bool = True

    @property
    def base_url(self) -> str:
        """The absolute URL that signed links start with."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def resolved_secret_key(self) -> str:
        """The signing key: the configured one, or one generated once and kept under var/."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
