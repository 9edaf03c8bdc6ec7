"""A sync client asks what changed since its last state, like JMAP's Email/changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from db.engine import Database
from db.models import Change, table_of
from db.types import utcnow
from resolvers.mailbox_changes import prune_change_log
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client

CHANGES = """
query($s: String!, $n: Int) {
  messageChanges(sinceState: $s, maxChanges: $n) {
    oldState newState hasMoreChanges created { id subject } updated { id } destroyed
  }
}"""


async def _state(me: Client) -> str:
    return str((await me.data("{ mailboxState }"))["mailboxState"])


async def test_new_mail_shows_up_as_created_once(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    start = await _state(me)
    first = await deliver(db, user, subject="Первое")
    second = await deliver(db, user, subject="Второе")

    changes = (await me.data(CHANGES, {"s": start}))["messageChanges"]

    assert changes["oldState"] == start
    assert changes["newState"] == await _state(me)
    assert not changes["hasMoreChanges"]
    assert sorted(int(m["id"]) for m in changes["created"]) == [first, second]
    assert changes["updated"] == [] and changes["destroyed"] == []
    again = (await me.data(CHANGES, {"s": changes["newState"]}))["messageChanges"]
    assert again["created"] == [] and again["newState"] == changes["newState"]


async def test_paged_sync_ends_with_the_same_set_as_one_call(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    start = await _state(me)
    for i in range(95):
        await deliver(db, user, subject=f"message {i}")

    whole = (await me.data(CHANGES, {"s": start, "n": 500}))["messageChanges"]
    state, seen, calls = start, [], 0
    while True:
        page = (await me.data(CHANGES, {"s": state, "n": 10}))["messageChanges"]
        calls += 1
        assert len(page["created"]) <= 10
        seen += [m["id"] for m in page["created"]]
        state = page["newState"]
        if not page["hasMoreChanges"]:
            break

    assert calls == 10
    assert sorted(seen, key=int) == sorted((m["id"] for m in whole["created"]), key=int)
    assert len(set(seen)) == 95
    assert state == whole["newState"]


async def test_a_state_from_the_future_or_garbage_asks_for_a_resync(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    for state in ("999999", "not-a-state", "-1"):
        body = await me.execute(CHANGES, {"s": state})
        error = body["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["reason"] == "cannotCalculateChanges"


async def test_a_state_older_than_the_kept_log_asks_for_a_resync(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    start = await _state(me)
    for _ in range(3):
        await deliver(db, user)
    table = table_of(Change)
    async with db.write() as session:
        await session.execute(update(table).values(at=utcnow() - timedelta(days=40)))
        pruned = await prune_change_log(session, keep_days=30)
    assert pruned > 0

    body = await me.execute(CHANGES, {"s": start})
    assert body["errors"][0]["extensions"]["reason"] == "cannotCalculateChanges"
    # The current state still works after pruning.
    current = (await me.data(CHANGES, {"s": await _state(me)}))["messageChanges"]
    assert current["created"] == []


async def test_max_changes_must_be_positive(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    assert await me.error_codes(CHANGES, {"s": "0", "n": 0}) == ["BAD_USER_INPUT"]


async def test_sends_moves_flags_and_deletes_each_land_once_in_their_group(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филиппов Филипп Филиппович", "filip_test@devr7.ru")
    kept = await deliver(db, user, subject="Останется")
    flagged = await deliver(db, user, subject="Пометим")
    moved = await deliver(db, user, subject="Переложим")
    doomed = await deliver(db, user, subject="Удалим")
    me = await client.login("user_test")
    start = await _state(me)

    sent = (
        await me.data(
            'mutation { sendMessage(input: {to: ["filip_test@devr7.ru"], subject: "Новое", body: "x"}) { id } }'
        )
    )["sendMessage"]["id"]
    archive = next(f["id"] for f in (await me.data("{ folders { id role } }"))["folders"] if f["role"] == "ARCHIVE")
    await me.data(f'mutation {{ markAsRead(ids: ["{flagged}"]) {{ count }} }}')
    await me.data(f'mutation {{ markAsImportant(ids: ["{flagged}"]) {{ count }} }}')
    await me.data(f'mutation {{ moveMessages(ids: ["{moved}"], toFolderId: "{archive}") {{ count }} }}')
    await me.data(f'mutation {{ deleteMessages(ids: ["{doomed}"], permanent: true) {{ count }} }}')
    # Created and destroyed within the window: the client never needs to hear of it.
    brief = (await me.data('mutation { saveDraft(input: {subject: "Черновик", to: ["filip_test@devr7.ru"]}) { id } }'))[
        "saveDraft"
    ]["id"]
    await me.data(f'mutation {{ deleteMessages(ids: ["{brief}"], permanent: true) {{ count }} }}')

    changes = (await me.data(CHANGES, {"s": start}))["messageChanges"]

    assert [m["id"] for m in changes["created"]] == [sent]
    assert sorted(int(m["id"]) for m in changes["updated"]) == sorted([flagged, moved])
    assert changes["destroyed"] == [str(doomed)]
    every = [m["id"] for m in changes["created"] + changes["updated"]] + changes["destroyed"]
    assert len(every) == len(set(every))
    assert str(kept) not in every and brief not in every
