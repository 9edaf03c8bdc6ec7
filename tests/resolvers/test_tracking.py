"""Tracking at the resolver level: rendering, diffs, snapshots that survive a restart, delivery."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from db.engine import Database
from db.models import Change, Folder, MailThread, Message, TrackingSnapshot, table_of
from resolvers import tracking
from resolvers.errors import BadUserInput
from tests.utils.factories import follow, make_thread, make_user, viewer_of

M = table_of(Message)
S = table_of(TrackingSnapshot)
T = table_of(MailThread)


def test_followers_render_as_a_stable_string() -> None:
    assert tracking.render_followers(["bob", "Alice", "carol"]) == "Alice, bob, carol"
    assert tracking.render_followers(["carol", "bob", "Alice"]) == "Alice, bob, carol"
    assert tracking.render_followers([]) is None


def test_diff_and_describe() -> None:
    changes = tracking.diff({"name": "Old", "followers": "a"}, {"name": "New", "followers": "a"})
    assert changes == [{"field": "name", "old_value": "Old", "new_value": "New"}]
    assert tracking.describe(changes) == "name: Old → New"
    assert tracking.describe([{"field": "followers", "old_value": None, "new_value": "a"}]) == "followers: — → a"
    assert tracking.diff({"name": "x"}, {"name": "x"}) == []
    with pytest.raises(BadUserInput):
        tracking.check_fields(["name", "stage"], "trackedFields")


async def _rename(db: Database, key: str, name: str) -> None:
    async with db.write() as session:
        await session.execute(update(T).where(T.c.id == key).values(name=name, name_key=name.casefold()))


async def test_a_prepared_snapshot_survives_a_restart(db: Database, database_url: str) -> None:
    me = await make_user(db, "user_test")
    bob = await make_user(db, "bob_test")
    key = await make_thread(db, me, "Старое имя", key="t1")
    await follow(db, key, bob.id)
    async with db.write() as session:
        assert await tracking.prepare(session, viewer_of(me), key) is True
        # A second prepare overwrites the first (one row per thread and caller).
        assert await tracking.prepare(session, viewer_of(me), key) is True
    await _rename(db, key, "Новое имя")
    await db.dispose()

    restarted = Database(database_url)
    try:
        async with restarted.read() as session:
            rows = (await session.execute(select(S.c["values"]).where(S.c.thread_id == key))).all()
        assert [r[0] for r in rows] == [{"name": "Старое имя", "followers": "bob_test, user_test"}]
        async with restarted.write() as session:
            message_id = await tracking.finalize(session, viewer_of(me), key, domain="test.local")
        assert message_id is not None
        async with restarted.read() as session:
            copies = (
                await session.execute(
                    select(M.c.owner_id, M.c.kind, M.c.was_read, M.c.tracking_values, M.c.author_id, Folder.role)
                    .join(Folder, Folder.id == M.c.folder_id)
                    .where(M.c.thread_id == key)
                    .order_by(M.c.owner_id)
                )
            ).all()
            snapshots = (await session.execute(select(S.c.user_id).where(S.c.thread_id == key))).all()
            logged = (
                await session.execute(select(Change.owner_id, Change.kind).where(Change.message_id == message_id))
            ).all()
            bob_inbox = (
                await session.execute(
                    select(Folder.unread_count).where(Folder.owner_id == bob.id, Folder.role == "INBOX")
                )
            ).scalar_one()
    finally:
        await restarted.dispose()
    change = [{"field": "name", "old_value": "Старое имя", "new_value": "Новое имя"}]
    assert [tuple(c) for c in copies] == [
        (me.id, "NOTIFICATION", True, change, me.id, "SENT"),
        (bob.id, "NOTIFICATION", False, change, me.id, "INBOX"),
    ]
    assert snapshots == []
    assert [tuple(r) for r in logged] == [(me.id, "created")]
    assert bob_inbox == 1


async def test_finalize_without_changes_posts_nothing_and_discard_forgets(db: Database) -> None:
    me = await make_user(db, "user_test")
    key = await make_thread(db, me, "Тема", key="t2")
    viewer = viewer_of(me)
    async with db.write() as session:
        with pytest.raises(BadUserInput):
            await tracking.finalize(session, viewer, key, domain="test.local")
    async with db.write() as session:
        await tracking.prepare(session, viewer, key)
        assert await tracking.finalize(session, viewer, key, domain="test.local") is None
        assert await tracking.discard(session, viewer, key) is False
        await tracking.prepare(session, viewer, key)
        assert await tracking.discard(session, viewer, key) is True
    async with db.read() as session:
        assert (await session.execute(select(M.c.id).where(M.c.thread_id == key))).first() is None


async def test_mail_track_compares_against_initial_values(db: Database) -> None:
    me = await make_user(db, "user_test")
    key = await make_thread(db, me, "Тема", key="t3")
    viewer = viewer_of(me)
    async with db.read() as session:
        assert await tracking.mail_track(session, viewer, key, ["name", "followers"], {"name": "Тема"}) == [
            {"field": "followers", "old_value": None, "new_value": "user_test"}
        ]
        assert await tracking.mail_track(session, viewer, key, ["followers"], {"followers": ["user_test"]}) == []
        assert await tracking.mail_track(session, viewer, key, [], {}) == []
        for fields, values in ((["name"], []), (["name"], {"name": 5}), (["stage"], {})):
            with pytest.raises(BadUserInput):
                await tracking.mail_track(session, viewer, key, fields, values)
