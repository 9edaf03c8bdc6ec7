"""One domain core, three edges: a change made through REST is seen through GraphQL (its
queries and its mailboxEvents subscription), and a change made through GraphQL through REST."""

from __future__ import annotations

from typing import Any

from app.events import EventBus
from app.settings import Settings
from db.engine import Database
from resolvers.services import Services
from tests.schema.test_subscriptions import served, subscribed, token_of
from tests.utils.factories import deliver, folder_id, make_folder, make_user
from tests.utils.graphql import Client
from tests.utils.ws import MAILBOX_EVENTS, GraphQLSocket, asgi_socket


async def event_about(ws: GraphQLSocket, op: str, kind: str, message_id: int) -> dict[str, Any]:
    """The first event of ``kind`` about ``message_id`` (folder events in between are skipped)."""
    for _ in range(10):
        event = (await ws.next_data(op))["mailboxEvents"]
        if event["kind"] == kind and event["messageId"] == str(message_id):
            return event
    raise AssertionError(f"no {kind} event for message {message_id}")


async def test_r7_changes_reach_graphql_and_its_subscription(
    settings: Settings, services: Services, db: Database
) -> None:
    me = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филиппов Филипп Филиппович", "filip_test@devr7.ru")
    message = await deliver(db, me, subject="Счёт")
    inbox = await folder_id(db, me, "INBOX")
    async with served(settings, services) as (app, http):
        token = await token_of(http, "user_test")
        graphql = Client(http, token)
        bus: EventBus = app.state.events
        async with asgi_socket(http) as ws:
            await ws.init({"Authorization": token})
            op = await ws.subscribe(MAILBOX_EVENTS)
            await subscribed(bus)

            reply = await http.post(
                "/api/v1/email/MarkAsFavorite",
                json={"folderId": inbox, "Ids": [message], "isFavorite": True},
                headers={"Authorization": token},
            )
            assert reply.json() is True
            event = await event_about(ws, op, "MESSAGE_UPDATED", message)
            assert event["message"]["important"] is True

            sent = await http.post(
                "/api/v1/email/Send",
                json={"Subject": "Ответ", "Body": "Оплачено", "To": ["filip_test@devr7.ru"]},
                headers={"Authorization": token},
            )
            created = await event_about(ws, op, "MESSAGE_CREATED", sent.json()["Id"])
            assert created["message"]["subject"] == "Ответ"
        found = await graphql.data("query($id: ID!) { message(id: $id) { important } }", {"id": str(message)})
        assert found["message"]["important"] is True


async def test_mail_thread_changes_reach_graphql_and_the_followers_subscription(
    settings: Settings, services: Services, db: Database
) -> None:
    await make_user(db, "user_test")
    filip = await make_user(db, "filip_test")
    async with served(settings, services) as (app, http):
        token, filip_token = await token_of(http, "user_test"), await token_of(http, "filip_test")
        bus: EventBus = app.state.events
        async with asgi_socket(http) as ws:
            await ws.init({"Authorization": f"Bearer {filip_token}"})
            op = await ws.subscribe(MAILBOX_EVENTS)
            await subscribed(bus)
            created = await http.post(
                "/mail_threads", json={"name": "Поставка", "followers": [filip.id]}, headers={"Authorization": token}
            )
            key = created.json()["id"]
            posted = await http.post(
                "/mail_threads/mail_message_post",
                json={"id": key, "body": "Договор подписан"},
                headers={"Authorization": token},
            )
            assert posted.status_code == 200
            event = (await ws.next_data(op))["mailboxEvents"]
            assert event["kind"] == "MESSAGE_CREATED" and event["message"]["wasRead"] is False
        seen = await Client(http, filip_token).data(
            "query($id: ID!) { mailThread(id: $id) { name messageNeedactionCounter followers { user { login } } } }",
            {"id": key},
        )
        assert seen["mailThread"]["name"] == "Поставка" and seen["mailThread"]["messageNeedactionCounter"] == 1
        assert sorted(f["user"]["login"] for f in seen["mailThread"]["followers"]) == ["filip_test", "user_test"]


async def test_graphql_changes_are_seen_through_both_rest_edges(db: Database, client: Client) -> None:
    me = await make_user(db, "user_test")
    message = await deliver(db, me, subject="Акт")
    archive = await make_folder(db, me, "Архив")
    graphql = await client.login("user_test")
    headers = {"Authorization": str(graphql.token)}
    http = client.http

    await graphql.data("mutation($ids: [ID!]!) { markAsRead(ids: $ids) { count } }", {"ids": [str(message)]})
    await graphql.data(
        "mutation($ids: [ID!]!, $to: ID!) { moveMessages(ids: $ids, toFolderId: $to) { count } }",
        {"ids": [str(message)], "to": str(archive)},
    )
    listed = (await http.post("/api/v1/email/Messages", json={"folderId": archive}, headers=headers)).json()
    assert [(i["Id"], i["WasRead"], i["FolderId"]) for i in listed["Items"]] == [(message, True, archive)]
    assert (listed["Count"], listed["UnreadCount"]) == (1, 0)

    thread = (await graphql.data('mutation { createMailThread(input: {name: "Сверка"}) { id } }'))["createMailThread"]
    await graphql.data(
        'mutation($id: ID!) { updateMailThread(id: $id, input: {name: "Сверка за июнь"}) { id } }', {"id": thread["id"]}
    )
    got = (await http.get(f"/mail_threads/{thread['id']}", headers=headers)).json()
    assert (got["name"], got["has_message"], got["message_is_follower"]) == ("Сверка за июнь", 1, 1)
    await graphql.data("mutation($id: ID!) { deleteMailThread(id: $id) }", {"id": thread["id"]})
    assert (await http.get(f"/mail_threads/{thread['id']}", headers=headers)).status_code == 404
