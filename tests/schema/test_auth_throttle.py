"""The login throttle: per account (5 failures a minute) and per client address (20)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db.engine import Database
from db.models import LoginFailure, LoginLockout, table_of
from db.types import utcnow
from tests.utils.factories import PASSWORD, make_user
from tests.utils.graphql import Client

LOGIN = "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }"
LOCKS = table_of(LoginLockout)
FAILURES = table_of(LoginFailure)


async def attempt(client: Client, name: str, password: str) -> list[str]:
    body = await client.as_user(None).execute(LOGIN, {"l": name, "p": password})
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_five_failures_lock_the_account_even_with_the_right_password(db: Database, client: Client) -> None:
    await make_user(db, "user_test", email="siz_test@devr7.ru")
    for _ in range(5):
        assert await attempt(client, "user_test", "wrong password") == ["UNAUTHENTICATED"]
    assert await attempt(client, "user_test", PASSWORD) == ["RATE_LIMITED"]
    # The lock is on the account, whichever name it is asked by.
    assert await attempt(client, "siz_test@devr7.ru", PASSWORD) == ["RATE_LIMITED"]
    assert await attempt(client, "USER_TEST", PASSWORD) == ["RATE_LIMITED"]
    # When the lockout is over, the right password works again.
    async with db.write() as session:
        await session.execute(update(LOCKS).values(until=utcnow() - timedelta(seconds=1)))
        await session.execute(update(FAILURES).values(at=utcnow() - timedelta(minutes=5)))
    assert await attempt(client, "user_test", PASSWORD) == []


async def test_failures_by_login_and_by_email_add_up(db: Database, client: Client) -> None:
    await make_user(db, "user_test", email="siz_test@devr7.ru")
    for name in ("user_test", "siz_test@devr7.ru", "User_Test", "user_test", "SIZ_TEST@devr7.ru"):
        assert await attempt(client, name, "wrong password") == ["UNAUTHENTICATED"]
    assert await attempt(client, "user_test", PASSWORD) == ["RATE_LIMITED"]


async def test_a_locked_account_does_not_lock_others_on_the_same_address(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    await make_user(db, "colleague")
    for _ in range(6):
        await attempt(client, "user_test", "wrong password")
    assert await attempt(client, "user_test", PASSWORD) == ["RATE_LIMITED"]
    assert await attempt(client, "colleague", PASSWORD) == []


async def test_four_failures_then_success_do_not_lock(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    for _ in range(4):
        assert await attempt(client, "user_test", "wrong password") == ["UNAUTHENTICATED"]
    assert await attempt(client, "user_test", PASSWORD) == []
    # A success starts the account's count again.
    for _ in range(4):
        assert await attempt(client, "user_test", "wrong password") == ["UNAUTHENTICATED"]
    assert await attempt(client, "user_test", PASSWORD) == []


async def test_twenty_failures_from_one_address_lock_the_address(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    # Password spraying: a few tries at many accounts, none of them locked on its own.
    for i in range(20):
        assert await attempt(client, f"someone{i % 10}", "Password1") == ["UNAUTHENTICATED"]
    assert await attempt(client, "user_test", PASSWORD) == ["RATE_LIMITED"]
    assert await attempt(client, "someone_new", "Password1") == ["RATE_LIMITED"]
