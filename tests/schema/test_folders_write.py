"""createFolder, renameFolder and deleteFolder."""

from __future__ import annotations

import asyncio

from db.engine import Database
from tests.schema.test_bulk import STATE, assert_counters, folder_of
from tests.utils.factories import deliver, make_label, make_user
from tests.utils.graphql import Client

CREATE = """mutation($n: String!, $p: ID) {
  createFolder(name: $n, parentId: $p) { id name role parent { id } totalCount } }"""
RENAME = "mutation($id: ID!, $n: String!) { renameFolder(id: $id, name: $n) { id name } }"
DELETE = "mutation($id: ID!) { deleteFolder(id: $id) }"
MOVE = "mutation($ids: [ID!]!, $to: ID!) { moveMessages(ids: $ids, toFolderId: $to) { count } }"


async def test_create_nested_folders_with_unique_names(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    await make_user(db, "stranger")
    me = await client.login("user_test")
    projects = (await me.data(CREATE, {"n": " Проекты "}))["createFolder"]
    assert projects["name"] == "Проекты" and projects["role"] is None and projects["parent"] is None
    child = (await me.data(CREATE, {"n": "Альфа", "p": projects["id"]}))["createFolder"]
    assert child["parent"]["id"] == projects["id"]
    assert await me.error_codes(CREATE, {"n": "ПРОЕКТЫ"}) == ["CONFLICT"]
    assert await me.error_codes(CREATE, {"n": "inbox"}) == ["CONFLICT"]
    assert await me.error_codes(CREATE, {"n": "альфа", "p": projects["id"]}) == ["CONFLICT"]
    # the same name elsewhere in the tree is fine
    assert (await me.data(CREATE, {"n": "Альфа"}))["createFolder"]["name"] == "Альфа"
    assert await me.error_codes(CREATE, {"n": ""}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"n": "x" * 257}) == ["BAD_USER_INPUT"]
    assert (await me.data(CREATE, {"n": "x" * 256}))["createFolder"]["name"] == "x" * 256
    assert await me.error_codes(CREATE, {"n": "y", "p": "999999"}) == ["NOT_FOUND"]
    other = await client.login("stranger")
    assert await other.error_codes(CREATE, {"n": "y", "p": projects["id"]}) == ["NOT_FOUND"]
    tree = await me.data("{ folders { name children { name } } }")
    assert next(f for f in tree["folders"] if f["name"] == "Проекты")["children"] == [{"name": "Альфа"}]


async def test_rename_folder(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    a = (await me.data(CREATE, {"n": "A"}))["createFolder"]
    await me.data(CREATE, {"n": "B"})
    before = (await me.data("{ mailboxState }"))["mailboxState"]
    assert (await me.data(RENAME, {"id": a["id"], "n": "Архив 2024"}))["renameFolder"]["name"] == "Архив 2024"
    assert (await me.data("{ mailboxState }"))["mailboxState"] != before
    assert (await me.data(RENAME, {"id": a["id"], "n": "архив 2024"}))["renameFolder"]["name"] == "архив 2024"
    assert await me.error_codes(RENAME, {"id": a["id"], "n": "b"}) == ["CONFLICT"]
    assert await me.error_codes(RENAME, {"id": a["id"], "n": " "}) == ["BAD_USER_INPUT"]
    state = await me.data(STATE)
    for role in ("INBOX", "TRASH"):
        assert await me.error_codes(RENAME, {"id": folder_of(state, role)["id"], "n": "Other"}) == ["FORBIDDEN"]
        assert await me.error_codes(DELETE, {"id": folder_of(state, role)["id"]}) == ["FORBIDDEN"]


async def test_delete_folder_moves_its_messages_to_trash(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    tag = await make_label(db, user, "tag")
    me = await client.login("user_test")
    parent = (await me.data(CREATE, {"n": "Parent"}))["createFolder"]
    child = (await me.data(CREATE, {"n": "Child", "p": parent["id"]}))["createFolder"]
    ids = [str(await deliver(db, user, label_ids=[tag.id])) for _ in range(3)]
    await me.data("mutation($ids: [ID!]!) { markAsRead(ids: $ids) { count } }", {"ids": ids[:1]})
    await me.data(MOVE, {"ids": ids[:2], "to": parent["id"]})
    await me.data(MOVE, {"ids": ids[2:], "to": child["id"]})
    state = await assert_counters(db, me, user)
    before = state["mailboxState"]

    assert (await me.data(DELETE, {"id": parent["id"]}))["deleteFolder"] is True
    state = await assert_counters(db, me, user)
    assert {f["name"] for f in state["folders"]}.isdisjoint({"Parent", "Child"})
    trash = folder_of(state, "TRASH")
    assert trash["totalCount"] == 3 and trash["unreadCount"] == 2
    assert int(state["mailboxState"]) > int(before)
    nodes = await me.data("query($f: ID) { messages(folderId: $f) { nodes { id isDeleted } } }", {"f": trash["id"]})
    assert sorted(n["id"] for n in nodes["messages"]["nodes"]) == sorted(ids)
    assert all(n["isDeleted"] for n in nodes["messages"]["nodes"])
    assert await me.error_codes(DELETE, {"id": parent["id"]}) == ["NOT_FOUND"]
    assert await me.error_codes("query($id: ID!) { folder(id: $id) { id } }", {"id": child["id"]}) == ["NOT_FOUND"]


async def test_folder_permissions(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    folder = (await me.data(CREATE, {"n": "Mine"}))["createFolder"]
    token = await me.data('mutation { createApiToken(name: "r", permissions: [READ]) { token } }')
    reader = client.as_user(token["createApiToken"]["token"])
    assert await reader.error_codes(CREATE, {"n": "Other"}) == ["FORBIDDEN"]
    assert await reader.error_codes(RENAME, {"id": folder["id"], "n": "Other"}) == ["FORBIDDEN"]
    assert await reader.error_codes(DELETE, {"id": folder["id"]}) == ["FORBIDDEN"]


async def test_concurrent_folder_changes_stay_consistent(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    doomed = (await me.data(CREATE, {"n": "Doomed"}))["createFolder"]
    ids = [str(await deliver(db, user)) for _ in range(6)]
    await me.data(MOVE, {"ids": ids[:3], "to": doomed["id"]})
    inbox = folder_of(await me.data(STATE), "INBOX")["id"]
    calls = [me.execute(CREATE, {"n": "Twin"}) for _ in range(5)]
    calls += [me.execute(DELETE, {"id": doomed["id"]})]
    calls += [me.execute(MOVE, {"ids": ids[n : n + 3], "to": inbox}) for n in range(4)]
    answers = await asyncio.gather(*calls)
    creates = [a.get("errors") for a in answers[:5]]
    assert sum(e is None for e in creates) == 1
    assert all(e[0]["extensions"]["code"] == "CONFLICT" for e in creates if e)
    assert answers[5].get("errors") is None
    state = await assert_counters(db, me, user)
    assert sum(f["totalCount"] for f in state["folders"]) == len(ids)
