"""Conversations in messageChanges and mailboxEvents: which conversations to refetch, and which are gone."""

from __future__ import annotations

from app.settings import Settings
from db.engine import Database
from resolvers.services import Services
from tests.schema.test_subscriptions import served, token_of
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client
from tests.utils.ws import asgi_socket

CHANGES = """query($s: String!) { messageChanges(sinceState: $s) {
  created { id conversationId } destroyed conversationsChanged conversationsDestroyed newState } }"""
EVENTS = (
    """subscription($since: String) { mailboxEvents(sinceState: $since) { kind messageId conversationId state } }"""
)


async def test_changes_name_the_conversations_to_refetch_and_the_gone_ones(db: Database, client: Client) -> None:
    me = await make_user(db, "user_test")
    first = await deliver(db, me, subject="Смета", message_id_header="a@x")
    second = await deliver(db, me, subject="Re: Смета", message_id_header="b@x", in_reply_to="a@x")
    other = await deliver(db, me, subject="Другое")
    you = await client.login("user_test")
    changes = (await you.data(CHANGES, {"s": "0"}))["messageChanges"]
    by_message = {c["id"]: c["conversationId"] for c in changes["created"]}
    assert by_message[str(first)] == by_message[str(second)] != by_message[str(other)]
    assert sorted(changes["conversationsChanged"]) == sorted({by_message[str(first)], by_message[str(other)]})
    assert changes["conversationsDestroyed"] == []

    gone = by_message[str(first)]
    delete = "mutation($ids: [ID!]!) { deleteConversations(ids: $ids, permanent: true) { count } }"
    assert (await you.data(delete, {"ids": [gone]}))["deleteConversations"]["count"] == 2
    later = (await you.data(CHANGES, {"s": changes["newState"]}))["messageChanges"]
    assert sorted(later["destroyed"]) == sorted([str(first), str(second)])
    assert (later["conversationsChanged"], later["conversationsDestroyed"]) == ([], [gone])
    assert await you.error_codes("query($id: ID!) { conversation(id: $id) { id } }", {"id": gone}) == ["NOT_FOUND"]


async def test_mailbox_events_carry_the_conversation(settings: Settings, services: Services, db: Database) -> None:
    me = await make_user(db, "user_test")
    first = await deliver(db, me, subject="Смета", message_id_header="a@x")
    second = await deliver(db, me, subject="Re: Смета", message_id_header="b@x", in_reply_to="a@x")
    async with served(settings, services) as (_app, http), asgi_socket(http) as ws:
        await ws.init({"Authorization": f"Bearer {await token_of(http, 'user_test')}"})
        op = await ws.subscribe(EVENTS, {"since": "0"})
        events = await ws.events(op, 4)
    created = [e for e in events if e["kind"] == "MESSAGE_CREATED"]
    assert [e["messageId"] for e in created] == [str(first), str(second)]
    assert created[0]["conversationId"] == created[1]["conversationId"] is not None
    assert [e["conversationId"] for e in events if e["kind"] == "FOLDER_UPDATED"] == [None, None]
