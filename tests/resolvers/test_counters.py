"""CounterDeltas: deltas per folder and label, written in one statement each."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import SQLModel

from db.engine import Database
from db.models import Folder, Label, table_of
from resolvers.counters import CounterDeltas
from resolvers.mailbox import folder_by_role
from tests.utils.factories import make_label, make_user


async def _counts(db: Database, model: type[SQLModel], ident: int, columns: tuple[str, str]) -> tuple[int, int]:
    t = table_of(model)
    async with db.read() as session:
        row = (await session.execute(select(t.c[columns[0]], t.c[columns[1]]).where(t.c.id == ident))).one()
    return int(row[0]), int(row[1])


def test_deltas_add_up_and_drop_zeroes() -> None:
    deltas = CounterDeltas()
    deltas.add_message(1, [10, 11], unread=True)
    deltas.add_message(1, [10], unread=False)
    deltas.add_unread(1, [10, 11], -1)
    deltas.move_message(1, 2, unread=False)
    deltas.add_label(11, unread=False, sign=-1)
    assert dict(deltas.folders) == {1: [1, 0], 2: [1, 0]}
    assert dict(deltas.labels) == {10: [2, 0], 11: [0, 0]}
    assert sorted(deltas.touched_folders) == [1, 2]
    deltas.move_message(2, 1, unread=False)
    assert deltas.touched_folders == [1]


async def test_apply_writes_deltas_and_reports_moved_folders(db: Database) -> None:
    user = await make_user(db, "user_test")
    label = await make_label(db, user, "tag")
    async with db.read() as session:
        inbox = (await folder_by_role(session, user.id, "INBOX")).id
        trash = (await folder_by_role(session, user.id, "TRASH")).id
    deltas = CounterDeltas()
    deltas.add_message(inbox, [label.id], unread=True)
    deltas.add_message(inbox, [label.id], unread=False)
    deltas.move_message(inbox, trash, unread=False)
    deltas.move_message(trash, inbox, unread=False)  # nets out: trash is not touched
    async with db.write() as session:
        moved = await deltas.apply(session)
    assert moved == [inbox]
    assert not deltas.folders and not deltas.labels  # applied deltas are cleared
    assert await _counts(db, Folder, inbox, ("total_count", "unread_count")) == (2, 1)
    assert await _counts(db, Folder, trash, ("total_count", "unread_count")) == (0, 0)
    assert await _counts(db, Label, label.id, ("message_count", "unread_count")) == (2, 1)

    deltas.add_unread(inbox, [label.id], -1)
    deltas.add_label(label.id, unread=False, sign=-1)
    async with db.write() as session:
        assert await deltas.apply(session) == [inbox]
    assert await _counts(db, Folder, inbox, ("total_count", "unread_count")) == (2, 0)
    assert await _counts(db, Label, label.id, ("message_count", "unread_count")) == (1, 0)
