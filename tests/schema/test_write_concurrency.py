"""Two users writing at once: sends to each other, moves, deletes, flags and labels.

Twenty tasks run mixed writes over both mailboxes through the real GraphQL edge.
Every request must succeed (no deadlock, no `database is locked`), the counters must
equal a recount of the messages table, and every sent message must exist exactly
once in the sender's mailbox and once in the recipient's.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import Message, table_of
from resolvers.records import UserRecord
from tests.schema.test_bulk import DELETE, MARK_IMPORTANT, MARK_READ, MOVE, STATE, assert_counters, folder_of
from tests.schema.test_bulk_concurrency import SET_LABELS
from tests.utils.factories import deliver, make_label, make_user
from tests.utils.graphql import Client

SEND = """mutation($to: String!, $s: String!, $r: ID) {
  sendMessage(input: {to: [$to], subject: $s, body: "hi", inReplyToId: $r}) { id } }"""

TASKS = 20
STEPS = 5


class Side:
    """One user's view for the load: their client, shared and private message ids, folders."""

    def __init__(self, user: UserRecord, me: Client, shared: list[str], private: list[str], labels: list[str]) -> None:
        self.user = user
        self.me = me
        self.shared = shared
        self.private = private
        self.labels = labels
        self.targets: list[str] = []


async def side(db: Database, client: Client, login: str, per_task: int) -> Side:
    user = await make_user(db, login)
    labels = [str((await make_label(db, user, name)).id) for name in ("red", "blue")]
    shared = [str(await deliver(db, user, subject=f"{login} shared {n}")) for n in range(8)]
    private = [str(await deliver(db, user, subject=f"{login} private {n}")) for n in range(TASKS * per_task)]
    s = Side(user, await client.login(login), shared, private, labels)
    state = await s.me.data(STATE)
    s.targets = [folder_of(state, role)["id"] for role in ("INBOX", "ARCHIVE", "JUNK")]
    return s


def plan(rng: random.Random, task: int, me: Side, other: Side) -> list[tuple[str, dict[str, Any]]]:
    """A task's writes: overlapping ids for flags, labels and moves; its own ids for deletes."""
    mine = me.private[task * 2 : task * 2 + 2]
    calls: list[tuple[str, dict[str, Any]]] = []
    for step in range(STEPS):
        kind = (task + step) % 6
        chosen = rng.sample(me.shared, 3)
        if kind == 0 or (kind == 5 and not mine):
            reply = rng.choice(me.shared) if kind == 0 else None  # a reply marks the original too
            calls.append((SEND, {"to": other.user.email, "s": f"t{task}s{step}", "r": reply}))
        elif kind == 1:
            calls.append((MOVE, {"ids": chosen, "to": rng.choice(me.targets)}))
        elif kind == 2:
            calls.append((MARK_READ, {"ids": chosen, "r": rng.random() < 0.5}))
        elif kind == 3:
            which = "add" if rng.random() < 0.5 else "remove"
            calls.append((SET_LABELS, {"ids": chosen, which: [rng.choice(me.labels)]}))
        elif kind == 4:
            calls.append((MARK_IMPORTANT, {"ids": chosen, "i": rng.random() < 0.5}))
        else:
            calls.append((DELETE, {"ids": mine, "p": step % 2 == 0}))
            mine = []
    return calls


async def test_mixed_writes_of_two_users_at_once_all_succeed_and_stay_exact(db: Database, client: Client) -> None:
    a = await side(db, client, "user_test", 2)
    b = await side(db, client, "filip_test", 2)
    rng = random.Random(20261202)
    plans = [plan(rng, n, a if n % 2 else b, b if n % 2 else a) for n in range(TASKS)]
    clients = [a.me if n % 2 else b.me for n in range(TASKS)]

    async def run(me: Client, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [await me.execute(query, variables) for query, variables in calls]

    answers = [x for xs in await asyncio.gather(*(run(c, p) for c, p in zip(clients, plans, strict=True))) for x in xs]

    assert [a.get("errors") for a in answers] == [None] * len(answers)
    for s in (a, b):
        await assert_counters(db, s.me, s.user)
    # Every send is one copy in Sent and one in the recipient's Inbox: none lost, none twice.
    sent_subjects = [v["s"] for xs in plans for q, v in xs if q == SEND]
    m = table_of(Message)
    async with db.read() as session:
        rows = (await session.execute(select(m.c.owner_id, m.c.subject).where(m.c.subject.like("t%s%")))).all()
    copies = Counter(subject for _owner, subject in rows)
    assert copies == Counter(dict.fromkeys(sent_subjects, 2))
    assert len({(o, s) for o, s in rows}) == len(rows)
