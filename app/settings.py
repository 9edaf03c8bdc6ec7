"""Settings from ``MAILGATE_*`` environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    #: Fields a document may resolve per object once its fragments are expanded (aliases apart).
    max_query_cost: int = 5000
    #: Distinct documents kept parsed, validated and compiled.
    document_cache_size: int = 1024
    #: Run validated queries on compiled plans; off, every operation runs on graphql-core.
    compiled_execution: bool = True
    #: Run every compiled query on graphql-core too and log any difference (tests turn it on).
    executor_verify: bool = False
    #: When set, only the documents of this manifest run (Apollo persisted query manifest or {hash: query}).
    trusted_documents: Path | None = None
    #: Who may introspect: "on" (anyone), "signed-in" or "off".
    introspection: Literal["on", "signed-in", "off"] = "on"
    #: Reverse proxies whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated.
    trusted_proxies: str = ""
    max_request_bytes: int = 30 * 1024 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    #: A GraphQL JSON body (not an upload) and how deep JSON may nest in it.
    max_json_bytes: int = 8 * 1024 * 1024
    max_json_depth: int = 64

    smtp_url: str | None = None
    smtp_retries: int = 3
    smtp_backoff: float = 2.0
    mail_domain: str = "mailgate.local"

    change_log_days: int = 30
    graphiql: bool = True

    #: Origins (scheme://host[:port], exact) whose pages may call the API; comma-separated. None by default.
    cors_origins: Annotated[list[str], NoDecode] = []
    #: How long a browser may cache a preflight answer, seconds.
    cors_max_age: int = 600
    #: Most operations in one batched POST (a JSON array); 0 turns batching off.
    max_batch: int = 10
    #: "text" or "json" (one JSON object a line) for the process's log.
    log_format: str = "text"
    #: Trace operations with OpenTelemetry (needs ``pip install mailgate[otel]``).
    otel: bool = False

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # MAILGATE_CORS_ORIGINS=https://a.example,https://b.example (or a JSON list).
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [part.strip().rstrip("/") for part in text.split(",") if part.strip()]
        return value

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
