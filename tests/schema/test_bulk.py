"""Bulk mutations over messages, step by step as an R7 user does them, with exact counters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import Folder, Label, Message, MessageLabel, table_of
from resolvers.records import UserRecord
from tests.utils.factories import deliver, make_label, make_user
from tests.utils.graphql import Client

BULK_FIELDS = "ok count ids messages { id wasRead important isDeleted folder { id role } labels { id } }"
STATE = """{ mailboxState folders { id name role totalCount unreadCount }
  labels { id name messageCount unreadCount } }"""


async def recount(db: Database, user: UserRecord) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(folders, labels): id -> (total, unread), counted from the messages table."""
    m = table_of(Message)
    f = table_of(Folder)
    lab = table_of(Label)
    ml = table_of(MessageLabel)
    unread = func.sum(func.cast(~m.c.was_read, lab.c.message_count.type))
    async with db.read() as session:
        folder_ids = (await session.execute(select(f.c.id).where(f.c.owner_id == user.id))).scalars().all()
        label_ids = (await session.execute(select(lab.c.id).where(lab.c.owner_id == user.id))).scalars().all()
        frows = (await session.execute(select(m.c.folder_id, func.count(), unread).group_by(m.c.folder_id))).all()
        lrows = (
            await session.execute(
                select(ml.c.label_id, func.count(), unread).join(m, m.c.id == ml.c.message_id).group_by(ml.c.label_id)
            )
        ).all()
    folders = {str(i): (0, 0) for i in folder_ids}
    folders.update({str(r[0]): (int(r[1]), int(r[2] or 0)) for r in frows if str(r[0]) in folders})
    labels = {str(i): (0, 0) for i in label_ids}
    labels.update({str(r[0]): (int(r[1]), int(r[2] or 0)) for r in lrows if str(r[0]) in labels})
    return folders, labels


async def assert_counters(db: Database, me: Client, user: UserRecord) -> dict[str, Any]:
    """The folders and labels queries agree with a recount of the messages table; returns the state."""
    state = await me.data(STATE)
    folders, labels = await recount(db, user)
    assert {f["id"]: (f["totalCount"], f["unreadCount"]) for f in state["folders"]} == folders
    assert {x["id"]: (x["messageCount"], x["unreadCount"]) for x in state["labels"]} == labels
    return state


def folder_of(state: dict[str, Any], role: str) -> dict[str, Any]:
    return next(f for f in state["folders"] if f["role"] == role)


MARK_READ = (
    "mutation($ids: [ID!]!, $r: Boolean! = true, $f: ID) {"
    f" markAsRead(ids: $ids, wasRead: $r, folderId: $f) {{ {BULK_FIELDS} }} }}"
)
MARK_IMPORTANT = (
    f"mutation($ids: [ID!]!, $i: Boolean! = true) {{ markAsImportant(ids: $ids, important: $i) {{ {BULK_FIELDS} }} }}"
)
MOVE = (
    "mutation($ids: [ID!]!, $to: ID!, $from: ID) {"
    f" moveMessages(ids: $ids, toFolderId: $to, fromFolderId: $from) {{ {BULK_FIELDS} }} }}"
)
DELETE = (
    "mutation($ids: [ID!]!, $f: ID, $p: Boolean) {"
    f" deleteMessages(ids: $ids, folderId: $f, permanent: $p) {{ {BULK_FIELDS} }} }}"
)


async def test_r7_steps_keep_counters_exact(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    work = await make_label(db, user, "Работа")
    ids = [str(await deliver(db, user, subject=f"Письмо {n}", label_ids=[work.id])) for n in range(2)]
    other = await deliver(db, user, subject="Другое")  # stays unread in the Inbox throughout
    me = await client.login("user_test")
    state = await assert_counters(db, me, user)
    inbox, trash, archive = (folder_of(state, r)["id"] for r in ("INBOX", "TRASH", "ARCHIVE"))
    assert folder_of(state, "INBOX")["unreadCount"] == 3

    read = (await me.data(MARK_READ, {"ids": ids, "f": inbox}))["markAsRead"]
    assert read["ok"] and read["count"] == 2 and read["ids"] == ids
    assert all(m["wasRead"] for m in read["messages"])
    state = await assert_counters(db, me, user)
    assert folder_of(state, "INBOX")["unreadCount"] == 1
    assert state["labels"][0]["unreadCount"] == 0

    again = (await me.data(MARK_READ, {"ids": ids}))["markAsRead"]
    assert again["count"] == 0  # already read: nothing changed
    await assert_counters(db, me, user)

    unread = (await me.data(MARK_READ, {"ids": [ids[0], ids[0], ids[1]], "r": False}))["markAsRead"]
    assert unread["count"] == 2 and unread["ids"] == ids  # de-duplicated
    state = await assert_counters(db, me, user)
    assert folder_of(state, "INBOX")["unreadCount"] == 3 and state["labels"][0]["unreadCount"] == 2

    important = (await me.data(MARK_IMPORTANT, {"ids": ids}))["markAsImportant"]
    assert important["count"] == 2 and all(m["important"] for m in important["messages"])
    await assert_counters(db, me, user)
    plain = (await me.data(MARK_IMPORTANT, {"ids": ids, "i": False}))["markAsImportant"]
    assert plain["count"] == 2 and not any(m["important"] for m in plain["messages"])
    await assert_counters(db, me, user)

    moved = (await me.data(MOVE, {"ids": ids, "to": archive, "from": inbox}))["moveMessages"]
    assert moved["count"] == 2 and {m["folder"]["role"] for m in moved["messages"]} == {"ARCHIVE"}
    state = await assert_counters(db, me, user)
    assert folder_of(state, "ARCHIVE")["totalCount"] == 2 and folder_of(state, "ARCHIVE")["unreadCount"] == 2
    assert folder_of(state, "INBOX")["totalCount"] == 1

    trashed = (await me.data(DELETE, {"ids": ids}))["deleteMessages"]
    assert trashed["count"] == 2 and {m["folder"]["id"] for m in trashed["messages"]} == {trash}
    assert all(m["isDeleted"] for m in trashed["messages"])
    state = await assert_counters(db, me, user)
    assert folder_of(state, "TRASH")["totalCount"] == 2 and folder_of(state, "ARCHIVE")["totalCount"] == 0
    assert state["labels"][0]["messageCount"] == 2

    gone = (await me.data(DELETE, {"ids": ids, "f": trash}))["deleteMessages"]
    assert gone["count"] == 2 and gone["messages"] == [] and gone["ids"] == ids
    state = await assert_counters(db, me, user)
    assert folder_of(state, "TRASH")["totalCount"] == 0 and state["labels"][0]["messageCount"] == 0
    assert await me.error_codes("query($id: ID!) { message(id: $id) { id } }", {"id": ids[0]}) == ["NOT_FOUND"]
    assert folder_of(state, "INBOX")["totalCount"] == 1 and other


async def test_permanent_delete_skips_trash(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    mid = str(await deliver(db, user))
    me = await client.login("user_test")
    result = (await me.data(DELETE, {"ids": [mid], "p": True}))["deleteMessages"]
    assert result["count"] == 1 and result["messages"] == []
    state = await assert_counters(db, me, user)
    assert all(f["totalCount"] == 0 for f in state["folders"])


async def test_one_foreign_id_changes_nothing(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    stranger = await make_user(db, "stranger")
    mine = [str(await deliver(db, user)) for _ in range(2)]
    theirs = str(await deliver(db, stranger))
    me = await client.login("user_test")
    before = await assert_counters(db, me, user)
    archive = folder_of(before, "ARCHIVE")["id"]
    for query, extra in ((MARK_READ, {}), (MARK_IMPORTANT, {}), (MOVE, {"to": archive}), (DELETE, {})):
        for bad in (theirs, "999999", "not-an-id"):
            assert await me.error_codes(query, {"ids": [*mine, bad], **extra}) == ["NOT_FOUND"]
    after = await assert_counters(db, me, user)
    assert after == before  # mailboxState included: nothing was logged
    nodes = (await me.data("{ messages { nodes { wasRead important folder { role } } } }"))["messages"]["nodes"]
    assert all(not n["wasRead"] and not n["important"] and n["folder"]["role"] == "INBOX" for n in nodes)
    # the stranger's message is untouched too
    other = await client.login("stranger")
    assert (await other.data(STATE))["folders"][0]["unreadCount"] == 1


async def test_folder_id_must_hold_every_id(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    inbox_msg = str(await deliver(db, user))
    sent_msg = str(await deliver(db, user, folder="SENT"))
    me = await client.login("user_test")
    before = await assert_counters(db, me, user)
    inbox, archive = folder_of(before, "INBOX")["id"], folder_of(before, "ARCHIVE")["id"]
    ids = [inbox_msg, sent_msg]
    assert await me.error_codes(MARK_READ, {"ids": ids, "f": inbox}) == ["NOT_FOUND"]
    assert await me.error_codes(MOVE, {"ids": ids, "to": archive, "from": inbox}) == ["NOT_FOUND"]
    assert await me.error_codes(DELETE, {"ids": ids, "f": inbox}) == ["NOT_FOUND"]
    assert await me.error_codes(MOVE, {"ids": [inbox_msg], "to": "999999"}) == ["NOT_FOUND"]
    assert await assert_counters(db, me, user) == before
    assert (await me.data(MARK_READ, {"ids": [inbox_msg], "f": inbox}))["markAsRead"]["count"] == 1


async def test_empty_or_too_many_ids_is_bad_input(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    assert await me.error_codes(MARK_READ, {"ids": []}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(MARK_READ, {"ids": [str(i) for i in range(1, 1002)]}) == ["BAD_USER_INPUT"]


async def test_mailbox_state_moves_on_each_change(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    ids = [str(await deliver(db, user)) for _ in range(2)]
    me = await client.login("user_test")
    archive = folder_of(await me.data(STATE), "ARCHIVE")["id"]
    steps: list[tuple[str, dict[str, Any]]] = [
        (MARK_READ, {"ids": ids}),
        (MARK_READ, {"ids": ids, "r": False}),
        (MARK_IMPORTANT, {"ids": ids}),
        (MOVE, {"ids": ids, "to": archive}),
        (DELETE, {"ids": ids}),
        (DELETE, {"ids": ids}),
    ]
    seen = [(await me.data("{ mailboxState }"))["mailboxState"]]
    for query, variables in steps:
        await me.data(query, variables)
        seen.append((await me.data("{ mailboxState }"))["mailboxState"])
    assert len(set(seen)) == len(seen)
    assert [int(s) for s in seen] == sorted(int(s) for s in seen)
    # a no-op logs nothing
    assert (await me.data("{ mailboxState }"))["mailboxState"] == seen[-1]


async def test_read_only_token_is_forbidden(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    mid = str(await deliver(db, user))
    me = await client.login("user_test")
    token = (
        await me.data(
            'mutation { createApiToken(name: "reader", permissions: [READ]) { token } }',
        )
    )["createApiToken"]["token"]
    reader = client.as_user(token)
    assert await reader.error_codes(MARK_READ, {"ids": [mid]}) == ["FORBIDDEN"]
    assert await reader.error_codes(DELETE, {"ids": [mid]}) == ["FORBIDDEN"]
    assert (await reader.data("{ messages { nodes { wasRead } } }"))["messages"]["nodes"] == [{"wasRead": False}]
    updater = (await me.data('mutation { createApiToken(name: "u", permissions: [READ, UPDATE]) { token } }'))[
        "createApiToken"
    ]["token"]
    assert (await client.as_user(updater).data(MARK_READ, {"ids": [mid]}))["markAsRead"]["count"] == 1
    assert await client.as_user(updater).error_codes(DELETE, {"ids": [mid]}) == ["FORBIDDEN"]
