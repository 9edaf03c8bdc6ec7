"""Sign-in: passwords, session and API tokens, and the login throttle.

Tokens are opaque random strings; only their SHA-256 is stored. A login makes
an access token and a refresh token that share a session id: refreshing
rotates both, logout revokes both.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database
from db.models import ApiPermission, AuthToken, LoginFailure, LoginLockout, TokenKind, User, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput, Forbidden, RateLimited, Unauthenticated, not_found, parse_id
from resolvers.records import UserRecord
from resolvers.services import AuthPolicy
from resolvers.token_cache import TokenCache, note_revoked
from resolvers.users import password_hasher
from resolvers.viewer import Viewer

TOKENS = table_of(AuthToken)
USERS = table_of(User)
#: API tokens note their last use at most this often, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Longer tokens and passwords are refused without hashing them.
MAX_TOKEN_LENGTH = 512
MAX_PASSWORD_LENGTH = 1024
#: A hash to verify against when the login is unknown, so timing does not tell.
_DUMMY_HASH = password_hasher.hash("not a real password")


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime
    user: UserRecord
    #: Who the access token signs in, as a lookup would find it.
    viewer: Viewer


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: int
    name: str
    permissions: ApiPermission
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def bearer_token(header: str | None) -> str | None:
    """The token of an Authorization header: ``Bearer <t>`` or a bare ``<t>``."""
    if not header:
        return None
    value = header.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        value = rest.strip()
    return value or None


async def _lookup(session: AsyncSession, token: str) -> tuple[Viewer, bool, datetime | None] | None:
    """The viewer of a live access or API token, whether its last use should be noted, and its expiry."""
    now = utcnow()
    row = (
        await session.execute(
            select(
                TOKENS.c.id,
                TOKENS.c.user_id,
                TOKENS.c.kind,
                TOKENS.c.permissions,
                TOKENS.c.session_id,
                TOKENS.c.expires_at,
                TOKENS.c.last_used_at,
            ).where(
                TOKENS.c.token_hash == token_hash(token),
                TOKENS.c.kind.in_((TokenKind.ACCESS, TokenKind.API)),
                TOKENS.c.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    stale = row.kind == TokenKind.API and (row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION)
    viewer = Viewer(
        user_id=row.user_id,
        permissions=ApiPermission(row.permissions),
        token_id=row.id,
        session_id=row.session_id,
    )
    return viewer, stale, row.expires_at


async def _touch(session: AsyncSession, token_id: int) -> None:
    await session.execute(update(TOKENS).where(TOKENS.c.id == token_id).values(last_used_at=utcnow()))


async def authenticate(session: AsyncSession, token: str) -> Viewer | None:
    """The viewer a live access or API token stands for; None for anything else.

    Notes an API token's use in ``session`` without committing it: prefer
    :func:`viewer_for_token`, which reads first and writes only when it must.
    """
    found = await _lookup(session, token)
    if found is None:
        return None
    viewer, stale, _ = found
    if stale and viewer.token_id is not None:
        await _touch(session, viewer.token_id)
    return viewer


async def viewer_for_token(db: Database, token: str | None, cache: TokenCache | None = None) -> Viewer | None:
    """The viewer of a request's token: from ``cache`` while it is warm, else a read
    (and for an API token used for the first time in a while, a short write of its lastUsedAt)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(token)
    if cache is not None and (cached := cache.get(digest)) is not None:
        return cached
    async with db.read() as session:
        found = await _lookup(session, token)
    if found is None:
        return None
    viewer, stale, expires_at = found
    if stale and viewer.token_id is not None:
        async with db.write() as session:
            await _touch(session, viewer.token_id)
    if cache is not None:
        cache.put(digest, viewer, expires_at)
    return viewer


async def _lock_of(session: AsyncSession, keys: list[str]) -> datetime | None:
    """When the latest lockout of these keys ends; None when none is in force."""
    locks = table_of(LoginLockout)
    until: datetime | None = (
        await session.execute(select(func.max(locks.c.until)).where(locks.c.key.in_(keys), locks.c.until > utcnow()))
    ).scalar()
    return until


async def _note_failure(session: AsyncSession, limits: dict[str, int], policy: AuthPolicy) -> None:
    """Count a failed login against each key; a key at its limit is locked out."""
    failures = table_of(LoginFailure)
    locks = table_of(LoginLockout)
    now = utcnow()
    await session.execute(insert(failures), [{"key": k, "at": now} for k in limits])
    since = now - timedelta(seconds=policy.login_failure_window)
    for key, allowed in limits.items():
        count = (
            await session.execute(
                select(func.count()).select_from(failures).where(failures.c.key == key, failures.c.at > since)
            )
        ).scalar_one()
        if count >= allowed:
            until = now + timedelta(seconds=policy.login_lockout)
            await session.execute(delete(locks).where(locks.c.key == key))
            await session.execute(insert(locks).values(key=key, until=until))
    # Old failures say nothing any more.
    await session.execute(delete(failures).where(failures.c.at < now - timedelta(days=1)))


async def _issue_session(session: AsyncSession, user: UserRecord, policy: AuthPolicy) -> SessionTokens:
    now = utcnow()
    access, refresh = _new_secret("mga"), _new_secret("mgr")
    session_id = uuid.uuid4().hex
    expires_at = now + timedelta(seconds=policy.access_token_ttl)
    issued = await session.execute(
        insert(TOKENS).returning(TOKENS.c.id, TOKENS.c.kind, sort_by_parameter_order=True),
        [
            {
                "user_id": user.id,
                "kind": TokenKind.ACCESS,
                "token_hash": token_hash(access),
                "permissions": int(ApiPermission.ALL),
                "session_id": session_id,
                "created_at": now,
                "expires_at": expires_at,
            },
            {
                "user_id": user.id,
                "kind": TokenKind.REFRESH,
                "token_hash": token_hash(refresh),
                "permissions": int(ApiPermission.ALL),
                "session_id": session_id,
                "created_at": now,
                "expires_at": now + timedelta(seconds=policy.refresh_token_ttl),
            },
        ],
    )
    access_id = next(row.id for row in issued if row.kind == TokenKind.ACCESS)
    viewer = Viewer(user_id=user.id, permissions=ApiPermission.ALL, token_id=access_id, session_id=session_id)
    return SessionTokens(access_token=access, refresh_token=refresh, expires_at=expires_at, user=user, viewer=viewer)


async def login(
    db: Database, login_name: str, password: str, policy: AuthPolicy, *, client: str | None = None
) -> SessionTokens:
    """Tokens for a login (or email) and password.

    Failures are counted per account (whichever name it was asked by) and per
    client address. ``login_failures_allowed`` failures of one account within
    ``login_failure_window`` lock that account for ``login_lockout`` seconds:
    RATE_LIMITED, even with the right password. The address is locked only after
    ``login_address_failures_allowed`` failures (over any accounts), so one
    forgetful user does not lock out a whole office behind one NAT address,
    while password spraying from one address is still stopped.
    """
    name = login_name.strip().lower()
    async with db.read() as session:
        row = (
            await session.execute(
                select(USERS.c.id, USERS.c.login, USERS.c.name, USERS.c.email, USERS.c.password_hash).where(
                    or_(func.lower(USERS.c.login) == name, USERS.c.email == name)  # emails are kept lower-case
                )
            )
        ).first()
        # The account is keyed by its id, so that its login and its email add up.
        account_key = f"account:{row.id}" if row else f"login:{name[:320]}"
        limits = {account_key: policy.login_failures_allowed}
        if client:
            limits[f"address:{client[:256]}"] = policy.login_address_failures_allowed
        until = await _lock_of(session, list(limits))
    if until is not None:
        retry_after = max(1, math.ceil((until - utcnow()).total_seconds()))
        raise RateLimited("too many failed logins; try again in a few minutes", retryAfter=retry_after)
    # Hashing takes tens of milliseconds: off the event loop, outside any transaction.
    too_long = len(password) > MAX_PASSWORD_LENGTH
    stored_hash = row.password_hash if row is not None and not too_long else _DUMMY_HASH
    ok = await asyncio.to_thread(_verify, stored_hash, password[:MAX_PASSWORD_LENGTH])
    if not ok or row is None or too_long:
        async with db.write() as session:
            await _note_failure(session, limits, policy)
        raise Unauthenticated("wrong login or password")
    user = UserRecord(id=row.id, login=row.login, name=row.name, email=row.email)
    async with db.write() as session:
        # A success starts the account's count again (the address keeps its own).
        failures = table_of(LoginFailure)
        await session.execute(delete(failures).where(failures.c.key == account_key))
        if password_hasher.check_needs_rehash(row.password_hash):
            await session.execute(
                update(USERS).where(USERS.c.id == row.id).values(password_hash=password_hasher.hash(password))
            )
        return await _issue_session(session, user, policy)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(password_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


async def refresh(session: AsyncSession, refresh_token: str, policy: AuthPolicy) -> SessionTokens:
    """New tokens for a live refresh token; the old pair stops working."""
    now = utcnow()
    row = (
        await session.execute(
            select(TOKENS.c.id, TOKENS.c.user_id, TOKENS.c.session_id, TOKENS.c.expires_at, TOKENS.c.revoked_at)
            .where(TOKENS.c.token_hash == token_hash(refresh_token), TOKENS.c.kind == TokenKind.REFRESH)
            .with_for_update()
        )
    ).first()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        raise Unauthenticated("this refresh token is not valid; sign in again")
    await session.execute(
        update(TOKENS)
        .where(TOKENS.c.session_id == row.session_id, TOKENS.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    note_revoked(session, token_ids=(row.id,), session_ids=(row.session_id,) if row.session_id else ())
    user_row = (
        (
            await session.execute(
                select(USERS.c.id, USERS.c.login, USERS.c.name, USERS.c.email).where(USERS.c.id == row.user_id)
            )
        )
        .mappings()
        .one()
    )
    return await _issue_session(session, UserRecord.from_row(user_row), policy)


async def logout(session: AsyncSession, viewer: Viewer) -> bool:
    """Revoke the token of this request (and, for a session, its refresh token)."""
    now = utcnow()
    condition = TOKENS.c.id == viewer.token_id
    if viewer.session_id:
        condition = or_(condition, TOKENS.c.session_id == viewer.session_id)
    await session.execute(update(TOKENS).where(condition, TOKENS.c.revoked_at.is_(None)).values(revoked_at=now))
    note_revoked(
        session,
        token_ids=(viewer.token_id,) if viewer.token_id is not None else (),
        session_ids=(viewer.session_id,) if viewer.session_id else (),
    )
    return True


def _api_record(row: object) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row.id,  # type: ignore[attr-defined]
        name=row.name or "",  # type: ignore[attr-defined]
        permissions=ApiPermission(row.permissions),  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
        expires_at=row.expires_at,  # type: ignore[attr-defined]
        last_used_at=row.last_used_at,  # type: ignore[attr-defined]
    )


async def create_api_token(
    session: AsyncSession, viewer: Viewer, name: str, permissions: ApiPermission, expires_at: datetime | None
) -> tuple[str, ApiTokenRecord]:
    """A long-lived token with some permissions; its secret is returned once."""
    name = name.strip()
    if not name or len(name) > 256:
        raise BadUserInput("a token needs a name of 1 to 256 characters", argument="name")
    if not permissions:
        raise BadUserInput("a token needs at least one permission", argument="permissions")
    if permissions & ~viewer.permissions:
        raise Forbidden("a token cannot carry a permission the caller's token lacks", argument="permissions")
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # a date without an offset is UTC
    if expires_at is not None and expires_at <= utcnow():
        raise BadUserInput("expiresAt is in the past", argument="expiresAt")
    secret = _new_secret("mgk")
    now = utcnow()
    token_id = (
        await session.execute(
            insert(TOKENS)
            .values(
                user_id=viewer.user_id,
                kind=TokenKind.API,
                name=name,
                token_hash=token_hash(secret),
                permissions=int(permissions),
                created_at=now,
                expires_at=expires_at,
            )
            .returning(TOKENS.c.id)
        )
    ).scalar_one()
    return secret, ApiTokenRecord(token_id, name, permissions, now, expires_at, None)


async def revoke_api_token(session: AsyncSession, viewer: Viewer, token_id: str) -> bool:
    ident = parse_id(token_id, "ApiToken")
    result = await session.execute(
        update(TOKENS)
        .where(
            TOKENS.c.id == ident,
            TOKENS.c.user_id == viewer.user_id,
            TOKENS.c.kind == TokenKind.API,
            TOKENS.c.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise not_found("ApiToken", token_id)
    note_revoked(session, token_ids=(ident,))
    return True


async def list_api_tokens(session: AsyncSession, viewer: Viewer) -> list[ApiTokenRecord]:
    """The viewer's live API tokens, newest first."""
    rows = await session.execute(
        select(TOKENS)
        .where(TOKENS.c.user_id == viewer.user_id, TOKENS.c.kind == TokenKind.API, TOKENS.c.revoked_at.is_(None))
        .order_by(TOKENS.c.created_at.desc(), TOKENS.c.id.desc())
    )
    return [_api_record(r) for r in rows]
