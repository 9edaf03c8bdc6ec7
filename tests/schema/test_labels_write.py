"""createLabel, deleteLabel and setLabels, with label counters checked against a recount."""

from __future__ import annotations

from db.engine import Database
from tests.schema.test_bulk import assert_counters
from tests.utils.factories import deliver, make_label, make_user
from tests.utils.graphql import Client

SET_LABELS = """mutation($ids: [ID!]!, $add: [ID!], $remove: [ID!]) {
  setLabels(ids: $ids, add: $add, remove: $remove) { ok count ids messages { id labels { id name } } } }"""
SET_ADD_ONLY = "mutation($ids: [ID!]!, $add: [ID!]) { setLabels(ids: $ids, add: $add) { count } }"
CREATE = """mutation($n: String!, $c: String) {
  createLabel(name: $n, color: $c) { id name color messageCount unreadCount } }"""
DELETE = "mutation($id: ID!) { deleteLabel(id: $id) }"


def _label(state: dict, label_id: str) -> dict:  # type: ignore[type-arg]
    return next(x for x in state["labels"] if x["id"] == label_id)


async def test_set_labels_moves_label_counters(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    ids = [str(await deliver(db, user)) for _ in range(3)]
    me = await client.login("user_test")
    await me.data("mutation($ids: [ID!]!) { markAsRead(ids: $ids) { count } }", {"ids": ids[:1]})
    red = (await me.data(CREATE, {"n": "Красный", "c": "#f00"}))["createLabel"]
    blue = (await me.data(CREATE, {"n": "Синий"}))["createLabel"]
    assert red["messageCount"] == 0 and red["color"] == "#f00" and blue["color"] is None

    result = (await me.data(SET_LABELS, {"ids": ids, "add": [red["id"], blue["id"]]}))["setLabels"]
    assert result["ok"] and result["count"] == 3 and result["ids"] == ids
    assert all({x["name"] for x in m["labels"]} == {"Красный", "Синий"} for m in result["messages"])
    state = await assert_counters(db, me, user)
    assert _label(state, red["id"])["messageCount"] == 3 and _label(state, red["id"])["unreadCount"] == 2

    again = (await me.data(SET_ADD_ONLY, {"ids": ids, "add": [red["id"]]}))["setLabels"]
    assert again["count"] == 0  # every message has it already
    result = (await me.data(SET_LABELS, {"ids": ids[:2], "remove": [red["id"]]}))["setLabels"]
    assert result["count"] == 2
    state = await assert_counters(db, me, user)
    assert _label(state, red["id"])["messageCount"] == 1 and _label(state, blue["id"])["messageCount"] == 3

    # add and remove at once; nothing to do is fine
    result = (await me.data(SET_LABELS, {"ids": ids, "add": [red["id"]], "remove": [blue["id"]]}))["setLabels"]
    assert result["count"] == 3
    state = await assert_counters(db, me, user)
    assert _label(state, red["id"])["messageCount"] == 3 and _label(state, blue["id"])["messageCount"] == 0
    assert (await me.data(SET_LABELS, {"ids": ids}))["setLabels"]["count"] == 0

    # reading a labelled message moves the label's unread count
    await me.data("mutation($ids: [ID!]!) { markAsRead(ids: $ids) { count } }", {"ids": ids})
    state = await assert_counters(db, me, user)
    assert _label(state, red["id"])["unreadCount"] == 0


async def test_set_labels_is_all_or_nothing(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    stranger = await make_user(db, "stranger")
    mine = await make_label(db, user, "mine")
    theirs = await make_label(db, stranger, "theirs")
    ids = [str(await deliver(db, user)) for _ in range(2)]
    foreign_message = str(await deliver(db, stranger))
    me = await client.login("user_test")
    before = await assert_counters(db, me, user)
    assert await me.error_codes(SET_LABELS, {"ids": ids, "add": [str(mine.id), str(theirs.id)]}) == ["NOT_FOUND"]
    assert await me.error_codes(SET_LABELS, {"ids": ids, "add": [str(mine.id), "999999"]}) == ["NOT_FOUND"]
    assert await me.error_codes(SET_LABELS, {"ids": [*ids, foreign_message], "add": [str(mine.id)]}) == ["NOT_FOUND"]
    both = {"ids": ids, "add": [str(mine.id)], "remove": [str(mine.id)]}
    assert await me.error_codes(SET_LABELS, both) == ["BAD_USER_INPUT"]
    assert await assert_counters(db, me, user) == before


async def test_create_label_checks_name_and_color(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    await me.data(CREATE, {"n": "Работа"})
    assert await me.error_codes(CREATE, {"n": "РАБОТА"}) == ["CONFLICT"]
    assert await me.error_codes(CREATE, {"n": "  "}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"n": "x" * 257}) == ["BAD_USER_INPUT"]
    assert await me.error_codes(CREATE, {"n": "ok", "c": "red"}) == ["BAD_USER_INPUT"]


async def test_delete_label_removes_it_from_messages(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    stranger = await make_user(db, "stranger")
    tag = await make_label(db, user, "tag")
    keep = await make_label(db, user, "keep")
    theirs = await make_label(db, stranger, "theirs")
    tagged = [str(await deliver(db, user, label_ids=[tag.id, keep.id])) for _ in range(2)]
    await deliver(db, user)
    me = await client.login("user_test")
    state_before = (await me.data("{ mailboxState }"))["mailboxState"]
    assert await me.error_codes(DELETE, {"id": str(theirs.id)}) == ["NOT_FOUND"]
    assert (await me.data(DELETE, {"id": str(tag.id)}))["deleteLabel"] is True
    state = await assert_counters(db, me, user)
    assert [x["name"] for x in state["labels"]] == ["keep"] and state["labels"][0]["messageCount"] == 2
    # one updated entry per message that carried the label
    assert int(state["mailboxState"]) == int(state_before) + len(tagged)
    nodes = (await me.data("{ messages { nodes { id labels { name } } } }"))["messages"]["nodes"]
    assert all([x["name"] for x in n["labels"]] in ([], ["keep"]) for n in nodes)
    assert await me.error_codes(DELETE, {"id": str(tag.id)}) == ["NOT_FOUND"]
    reader = await me.data('mutation { createApiToken(name: "r", permissions: [READ, UPDATE]) { token } }')
    limited = client.as_user(reader["createApiToken"]["token"])
    assert await limited.error_codes(DELETE, {"id": str(keep.id)}) == ["FORBIDDEN"]
    assert await limited.error_codes(CREATE, {"n": "new"}) == ["FORBIDDEN"]
