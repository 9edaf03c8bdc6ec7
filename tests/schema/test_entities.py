"""A federated gateway resolves mailgate's entities by id, and only the caller's own."""

from __future__ import annotations

from db.engine import Database
from tests.utils.factories import deliver, make_label, make_thread, make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting

ENTITIES = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on User { id login }
    ... on Folder { id name }
    ... on Label { id name }
    ... on Message { id subject }
    ... on Attachment { id fileName }
    ... on MailThread { id name }
  }
}"""


async def test_service_sdl_marks_every_entity_with_its_key(client: Client) -> None:
    sdl = (await client.data("{ _service { sdl } }"))["_service"]["sdl"]
    for name in ("User", "Folder", "Label", "Message", "Attachment", "MailThread"):
        assert f'type {name} @key(fields: "id")' in sdl


async def test_each_entity_type_resolves_through_entities(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    label = await make_label(db, user, "Работа")
    thread = await make_thread(db, user, "Договор поставки")
    message = await deliver(
        db,
        user,
        subject="Счёт",
        thread_id=thread,
        label_ids=[label.id],
        files=[("Док.docx", "application/octet-stream", b"docx bytes")],
    )
    me = await client.login("user_test")
    found = await me.data(
        "query($id: ID!) { message(id: $id) { folder { id } attachments { id } } }", {"id": str(message)}
    )
    folder_id = found["message"]["folder"]["id"]
    attachment_id = found["message"]["attachments"][0]["id"]

    data = await me.data(
        ENTITIES,
        {
            "r": [
                {"__typename": "User", "id": str(user.id)},
                {"__typename": "Folder", "id": folder_id},
                {"__typename": "Label", "id": str(label.id)},
                {"__typename": "Message", "id": str(message)},
                {"__typename": "Attachment", "id": attachment_id},
                {"__typename": "MailThread", "id": thread},
            ]
        },
    )

    assert data["_entities"] == [
        {"__typename": "User", "id": str(user.id), "login": "user_test"},
        {"__typename": "Folder", "id": folder_id, "name": "Inbox"},
        {"__typename": "Label", "id": str(label.id), "name": "Работа"},
        {"__typename": "Message", "id": str(message), "subject": "Счёт"},
        {"__typename": "Attachment", "id": attachment_id, "fileName": "Док.docx"},
        {"__typename": "MailThread", "id": thread, "name": "Договор поставки"},
    ]


async def test_someone_elses_entities_resolve_to_null(db: Database, client: Client) -> None:
    alice = await make_user(db, "user_test")
    await make_user(db, "filip_test")
    label = await make_label(db, alice, "Личное")
    thread = await make_thread(db, alice, "Секрет")
    message = await deliver(db, alice, subject="Только для меня", thread_id=thread)
    bob = await client.login("filip_test")

    data = await bob.data(
        ENTITIES,
        {
            "r": [
                {"__typename": "Message", "id": str(message)},
                {"__typename": "Label", "id": str(label.id)},
                {"__typename": "MailThread", "id": thread},
                {"__typename": "Message", "id": "not-a-number"},
            ]
        },
    )

    assert data["_entities"] == [None, None, None, None]


async def test_a_batch_of_messages_is_one_statement(db: Database, client: Client) -> None:
    user = await make_user(db, "user_test")
    ids = [await deliver(db, user, subject=f"m{i}") for i in range(30)]
    me = await client.login("user_test")
    with counting(db) as run:
        data = await me.data(ENTITIES, {"r": [{"__typename": "Message", "id": str(i)} for i in ids]})
    statements = [s for s in run if "FROM messages" in s]

    assert [e["subject"] for e in data["_entities"]] == [f"m{i}" for i in range(30)]
    assert len(statements) == 1
