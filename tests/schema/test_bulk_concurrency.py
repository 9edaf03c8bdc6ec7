"""Concurrent overlapping bulk mutations: no deadlock, no double count."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from db.engine import Database
from tests.schema.test_bulk import MARK_IMPORTANT, MARK_READ, MOVE, STATE, assert_counters, folder_of
from tests.utils.factories import deliver, make_label, make_user
from tests.utils.graphql import Client

SET_LABELS = """mutation($ids: [ID!]!, $add: [ID!], $remove: [ID!]) {
  setLabels(ids: $ids, add: $add, remove: $remove) { count } }"""


async def test_twenty_concurrent_bulk_operations_keep_counters_exact(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    red = await make_label(db, user, "red")
    blue = await make_label(db, user, "blue")
    ids = [
        str(await deliver(db, user, subject=f"m{n}", label_ids=[red.id] if n % 2 else [red.id, blue.id]))
        for n in range(12)
    ]
    me = await client.login("user_test")
    state = await me.data(STATE)
    targets = [folder_of(state, role)["id"] for role in ("INBOX", "ARCHIVE", "JUNK")]
    rng = random.Random(20250627)
    calls: list[tuple[str, dict[str, Any]]] = []
    for n in range(20):
        chosen = rng.sample(ids, 6)
        if n % 2:
            chosen.reverse()  # lock order must not depend on the order ids are given in
        kind = n % 4
        if kind == 0:
            calls.append((MARK_READ, {"ids": chosen, "r": rng.random() < 0.5}))
        elif kind == 1:
            calls.append((MOVE, {"ids": chosen, "to": rng.choice(targets)}))
        elif kind == 2:
            calls.append((MARK_IMPORTANT, {"ids": chosen, "i": rng.random() < 0.5}))
        else:
            which = "add" if n % 8 == 3 else "remove"
            calls.append((SET_LABELS, {"ids": chosen, which: [str(blue.id)]}))

    answers = await asyncio.gather(*(me.execute(query, variables) for query, variables in calls))

    assert [a.get("errors") for a in answers] == [None] * len(calls)
    state = await assert_counters(db, me, user)
    assert sum(f["totalCount"] for f in state["folders"]) == len(ids)
    # every change got its own modseq: the log has no gaps and no duplicates
    changed = sum(next(iter(a["data"].values()))["count"] for a in answers)
    assert int(state["mailboxState"]) >= len(ids) + changed
