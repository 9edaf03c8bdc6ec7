"""The address book: collected from mail sent and received, saved by the user, and
autocomplete that finds "Филипп" from "фил" whatever the case and accents."""

from __future__ import annotations

from typing import Any

from db.engine import Database
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client

SEND = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }"
FIND = """query($q: String, $n: Int) { contacts(query: $q, first: $n) {
  id name address saved timesWritten timesReceived lastUsedAt } }"""


async def find(client: Client, query: str | None, first: int = 10) -> list[dict[str, Any]]:
    data = await client.data(FIND, {"q": query, "n": first})
    found: list[dict[str, Any]] = data["contacts"]
    return found


async def names(client: Client, query: str | None) -> list[str | None]:
    return [c["name"] for c in await find(client, query)]


async def test_autocomplete_finds_filipp_from_fil(db: Database, client: Client) -> None:
    me = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    await make_user(db, "filip_test", "Филипп Тестов", "filip_test@devr7.ru")
    you = await client.login("user_test")
    # Written to twice, once and never; heard from once.
    for _ in range(2):
        await you.data(SEND, {"i": {"to": ["Филипп Тестов <filip_test@devr7.ru>"], "subject": "Привет", "body": "."}})
    await you.data(SEND, {"i": {"to": ["Филимон Ёжиков <filimon@example.ru>"], "subject": "Счёт", "body": "."}})
    await deliver(db, me, sender=("Фила Ярова", "fila@example.ru"), subject="Здравствуйте")
    await deliver(db, me, sender=("Jérôme Écrivain", "jerome@example.fr"), subject="Bonjour")

    assert await names(you, "фил") == ["Филипп Тестов", "Филимон Ёжиков", "Фила Ярова"]
    assert await names(you, "ФИЛ") == await names(you, "Фил") == await names(you, "фил")
    assert await names(you, "филип") == ["Филипп Тестов"]
    # Any word of the name, the address and its local part; accents and ё folded away.
    assert await names(you, "тест") == ["Филипп Тестов"]
    assert await names(you, "ежик") == ["Филимон Ёжиков"]
    assert await names(you, "jero") == await names(you, "ÉCRI") == ["Jérôme Écrivain"]
    assert await names(you, "filip_test@d") == ["Филипп Тестов"]
    assert await names(you, "фил тес") == ["Филипп Тестов"]
    assert await names(you, "сиз") == []  # one's own address is no contact
    [filipp] = await find(you, "филипп")
    assert (filipp["timesWritten"], filipp["timesReceived"], filipp["saved"]) == (2, 0, False)
    assert filipp["lastUsedAt"] is not None

    # Filip's book got user_test from the two mails he received; user_test's book stays user_test's.
    filip = await client.login("filip_test")
    [siz] = await find(filip, "сизый")
    assert (siz["address"], siz["timesReceived"], siz["timesWritten"]) == ("siz_test@devr7.ru", 2, 0)
    assert await find(filip, "фил") == []
    one = "query($id: ID!) { contact(id: $id) { id } }"
    assert await filip.error_codes(one, {"id": filipp["id"]}) == ["NOT_FOUND"]
    assert await you.error_codes(FIND, {"q": "a", "n": 0}) == ["BAD_USER_INPUT"]


async def test_saved_contacts_crud(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    await make_user(db, "filip_test")
    you, other = await client.login("user_test"), await client.login("filip_test")
    create = """mutation($i: ContactInput!) { createContact(input: $i) { id name address saved timesWritten } }"""
    made = (await you.data(create, {"i": {"name": "Анна Каренина", "address": "anna@example.ru"}}))["createContact"]
    assert made == {**made, "name": "Анна Каренина", "saved": True, "timesWritten": 0}
    assert await you.error_codes(create, {"i": {"name": "Анна", "address": "ANNA@example.ru"}}) == ["CONFLICT"]
    assert await you.error_codes(create, {"i": {"name": "Без адреса"}}) == ["BAD_USER_INPUT"]
    assert await you.error_codes(create, {"i": {"address": "not an address"}}) == ["BAD_USER_INPUT"]
    assert await names(you, "анна") == ["Анна Каренина"]

    update = "mutation($id: ID!, $i: ContactInput!) { updateContact(id: $id, input: $i) { name address } }"
    changed = (await you.data(update, {"id": made["id"], "i": {"name": "Анна Вронская"}}))["updateContact"]
    assert changed == {"name": "Анна Вронская", "address": "anna@example.ru"}
    assert await names(you, "каренина") == []
    assert await names(you, "вронск") == ["Анна Вронская"]
    assert await other.error_codes(update, {"id": made["id"], "i": {"name": "x"}}) == ["NOT_FOUND"]

    # A contact collected from mail becomes saved, keeping its counts.
    await you.data(SEND, {"i": {"to": ["Лев <lev@example.ru>"], "subject": "Роман", "body": "."}})
    saved = (await you.data(create, {"i": {"name": "Лев Толстой", "address": "lev@example.ru"}}))["createContact"]
    assert (saved["saved"], saved["timesWritten"]) == (True, 1)
    assert await names(you, None) == ["Лев Толстой", "Анна Вронская"]

    delete = "mutation($id: ID!) { deleteContact(id: $id) }"
    assert await other.error_codes(delete, {"id": made["id"]}) == ["NOT_FOUND"]
    assert (await you.data(delete, {"id": made["id"]}))["deleteContact"] is True
    assert await you.error_codes(delete, {"id": made["id"]}) == ["NOT_FOUND"]
    assert await names(you, "анна") == []
