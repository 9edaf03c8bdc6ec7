"""Users, their tokens and the login throttle."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class ApiPermission(enum.IntFlag):
    """What a token may do; session tokens carry all four."""

    CREATE = 1
    READ = 2
    UPDATE = 4
    DELETE = 8
    ALL = 15


class TokenKind(enum.StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    API = "api"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_column=Column(String(128), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(256), nullable=False))
    email: str = Field(sa_column=Column(String(320), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String(256), nullable=False))
    #: The owner's last modseq: the mailbox state string is derived from it.
    modseq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuthToken(SQLModel, table=True):
    """A bearer token, kept only as its SHA-256."""

    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_user_kind", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", nullable=False, ondelete="CASCADE")
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    name: str | None = Field(default=None, sa_column=Column(String(256)))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    permissions: int = Field(default=int(ApiPermission.ALL), nullable=False)
    #: Access and refresh tokens of one login share a session id, so logout ends both.
    session_id: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    """A failed login, by account or by client address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(400), nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class LoginLockout(SQLModel, table=True):
    __tablename__ = "login_lockouts"

    key: str = Field(sa_column=Column(String(400), primary_key=True))
    until: datetime = Field(sa_type=UTCDateTime, nullable=False)
