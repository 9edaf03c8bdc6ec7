"""run_write: a unit of work runs again from scratch when the database gives it up, and
says UNAVAILABLE (outcome unknown) when its COMMIT was cut off."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from db.engine import Database
from db.models import User, table_of
from db.units import WriteUnavailable, run_write
from resolvers.locking import HELD, lock_owners
from tests.utils.factories import make_user

U = table_of(User)


async def _pid(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(db: Database, pid: int) -> None:
    """Kill one backend of this test's own database, from a connection of its own."""
    engine = create_async_engine(db.url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    finally:
        await engine.dispose()


async def test_two_units_that_deadlock_both_commit(db: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite writers take the database lock up front: they cannot deadlock")
    a = await make_user(db, "user_test")
    b = await make_user(db, "filip_test")
    both_hold_one = asyncio.Barrier(2)
    attempts: list[str] = []

    def crosswise(first: int, second: int, name: str):  # type: ignore[no-untyped-def]
        async def unit(session: AsyncSession) -> None:
            attempts.append(name)
            await session.execute(update(U).where(U.c.id == first).values(modseq=U.c.modseq + 1))
            if attempts.count(name) == 1:
                await both_hold_one.wait()  # the first time round, each holds what the other wants
            await session.execute(update(U).where(U.c.id == second).values(modseq=U.c.modseq + 1))

        return unit

    await asyncio.gather(run_write(db, crosswise(a.id, b.id, "ab")), run_write(db, crosswise(b.id, a.id, "ba")))

    assert len(attempts) == 3  # one of them was chosen as the deadlock victim and ran again
    async with db.read() as session:
        modseqs = (await session.execute(select(U.c.modseq).order_by(U.c.id))).scalars().all()
    assert modseqs == [2, 2]  # each unit's two updates, exactly once


async def test_a_mailbox_found_late_is_locked_first_on_the_next_attempt(db: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("no row locks to order on SQLite")
    low = await make_user(db, "user_test")
    high = await make_user(db, "filip_test")
    first_locks: list[set[int]] = []

    async def unit(session: AsyncSession) -> None:
        await lock_owners(session, [high.id])
        first_locks.append(set(session.info[HELD]))
        await lock_owners(session, [low.id])  # below one held: too late to take in order

    await run_write(db, unit)

    assert first_locks == [{high.id}, {low.id, high.id}]


async def test_a_connection_lost_before_commit_runs_the_unit_again(db: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a PostgreSQL backend is what gets terminated")
    user = await make_user(db, "user_test")
    pids: list[int] = []

    async def unit(session: AsyncSession) -> None:
        pids.append(await _pid(session))
        if len(pids) == 1:
            await _terminate(db, pids[0])
        await session.execute(update(U).where(U.c.id == user.id).values(modseq=U.c.modseq + 1))

    await run_write(db, unit)

    assert len(pids) == 2 and pids[0] != pids[1]
    async with db.read() as session:
        assert (await session.execute(select(U.c.modseq))).scalar_one() == 1


async def test_a_connection_lost_at_commit_is_unavailable_with_an_unknown_outcome(db: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a PostgreSQL backend is what gets terminated")
    user = await make_user(db, "user_test")
    calls = 0

    async def unit(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        await session.execute(update(U).where(U.c.id == user.id).values(modseq=U.c.modseq + 1))
        await _terminate(db, await _pid(session))  # the unit's work is done: COMMIT meets a dead socket

    with pytest.raises(WriteUnavailable) as caught:
        await run_write(db, unit)

    assert caught.value.outcome_unknown and "messageChanges" in caught.value.message
    assert calls == 1  # never run twice: it might have committed


@pytest.mark.sqlite_only
async def test_sqlite_writers_take_the_write_lock_up_front(db: Database) -> None:
    user = await make_user(db, "user_test")
    begins: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(db.write_engine.sync_engine, "before_cursor_execute", seen)

    async def read_then_write(session: AsyncSession) -> None:
        await session.execute(select(U.c.modseq).where(U.c.id == user.id))
        await asyncio.sleep(0.01)  # let the others read too: a deferred BEGIN would now fail to upgrade
        await session.execute(update(U).where(U.c.id == user.id).values(modseq=U.c.modseq + 1))

    await asyncio.gather(*(run_write(db, read_then_write) for _ in range(10)))

    assert begins and set(begins) == {"BEGIN IMMEDIATE"}
    async with db.read() as session:
        assert (await session.execute(select(U.c.modseq))).scalar_one() == 10
