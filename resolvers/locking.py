"""The one lock order of every write, so that two writes never wait for each other in a cycle.

Every unit of work takes its row locks in this order, and only in this order (an arrival
that touches a thread after its owners skips a thread row that is held: resolvers.threading):

1. a mail thread's row, for operations on one thread (its followers are read under it),
   and an owner's folder-name advisory lock (resolvers.folders);
2. the mailbox owners' ``users`` rows, in owner-id order (``lock_owners``): the owner
   lock is the mailbox's writer lock, and the row the change log's modseq lives on;
3. that owner's messages, in id order (resolvers.bulk.lock_messages);
4. folders and labels (counters; share locks on a target folder or label);
5. the change log (the modseq row is already held from step 2).

``store_message`` and ``record_changes`` call ``lock_owners`` for the owner they write,
so a unit of work that finds out late that it touches another mailbox locks it then
if the order allows it; if not (its id is below one held already), the unit starts
again with every owner it needs locked up front (``db.units.StartAgain``). On
SQLite there is nothing to order: a writer holds the database from ``BEGIN
IMMEDIATE`` on.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_name
from db.models import User, table_of
from db.units import StartAgain, unit_memo

#: Key in ``session.info``: the owner ids whose rows this transaction holds.
HELD = "mailgate.owners_held"
#: Key in the unit memo: owners the next attempt locks first.
WANTED = "owners"

U = table_of(User)


async def lock_owners(session: AsyncSession, owner_ids: Iterable[int]) -> None:
    """Hold the mailbox locks of ``owner_ids`` until commit, keeping the global order."""
    if dialect_name(session) != "postgresql":
        return
    held: set[int] = session.info.setdefault(HELD, set())
    wanted = {int(i) for i in owner_ids} - held
    if not wanted:
        return
    memo = unit_memo(session)
    if held and min(wanted) < max(held) and memo is not None:
        # Too late to take these in order: start again with all of them taken first.
        memo.setdefault(WANTED, set()).update(held | wanted)
        raise StartAgain("a mailbox lock is needed before one already held")
    if not held and memo is not None:
        wanted |= set(memo.get(WANTED, ()))
    # FOR NO KEY UPDATE: excludes other writers of the mailbox, but not inserts whose
    # foreign keys point at the user (those take KEY SHARE).
    await session.execute(
        select(U.c.id).where(U.c.id.in_(sorted(wanted))).order_by(U.c.id).with_for_update(key_share=True)
    )
    held |= wanted
