"""The same mail twice lands once per folder (import, SMTP, LMTP); a Bcc recipient sees their own Bcc."""

from __future__ import annotations

import asyncio
import smtplib
from pathlib import Path

import httpx
import pytest

from app.smtpd import build_controller
from db.engine import Database
from resolvers.mail_import import import_mbox_file
from tests.schema.test_import_messages import upload
from tests.utils import mailbox_files as mf
from tests.utils.factories import folder_id, make_folder, make_user
from tests.utils.graphql import Client

IMPORT = """
mutation($file: Upload!, $folderId: ID) {
  importMessages(file: $file, folderId: $folderId) { created skipped failed }
}
"""
COUNTS = "{ folders { role name totalCount } }"


def mbox(*numbers: int) -> bytes:
    return b"".join(mf.mbox_of([mf.koi8r_message(n) for n in numbers]))


async def imported(
    http: httpx.AsyncClient, token: str | None, data: bytes, folder: int | None = None
) -> dict[str, int]:
    import tests.schema.test_import_messages as module

    saved, module.IMPORT = module.IMPORT, IMPORT
    try:
        body = await upload(http, token, data, folder)
    finally:
        module.IMPORT = saved
    assert "errors" not in body, body
    result: dict[str, int] = body["data"]["importMessages"]
    return result


def total(folders: dict[str, list[dict[str, object]]], name: str) -> object:
    return next(f["totalCount"] for f in folders["folders"] if f["name"] == name or f["role"] == name)


async def test_importing_the_same_mail_twice_skips_what_the_folder_holds(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    user = await make_user(db, "user_test")
    archive = await make_folder(db, user, "Старое")
    me = await client.login("user_test")

    first = await imported(http, me.token, mbox(1, 2, 3, 2))  # message 2 twice in one file
    assert first == {"created": 3, "skipped": 1, "failed": 0}
    again = await imported(http, me.token, mbox(1, 2, 3, 4))
    assert again == {"created": 1, "skipped": 3, "failed": 0}
    elsewhere = await imported(http, me.token, mbox(1, 2), archive)  # another folder: its own copies
    assert elsewhere == {"created": 2, "skipped": 0, "failed": 0}

    folders = await me.data(COUNTS)
    assert total(folders, "INBOX") == 4
    assert total(folders, "Старое") == 2


async def test_cli_import_reports_duplicates(db: Database, tmp_path: Path) -> None:
    await make_user(db, "user_test")
    path = tmp_path / "twice.mbox"
    path.write_bytes(mbox(1, 2) + mbox(1, 2))
    outcome = await import_mbox_file(db, path, "user_test")
    assert (outcome.created, outcome.skipped, outcome.failed) == (2, 2, 0)


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
async def test_the_same_message_delivered_twice_is_stored_once(db: Database, client: Client, lmtp: bool) -> None:
    await make_user(db, "user_test")
    await make_user(db, "other_test")
    raw = crlf(mf.koi8r_message(7))

    def send(port: int, recipients: list[str]) -> None:
        connection = (
            smtplib.LMTP("127.0.0.1", port, timeout=30) if lmtp else smtplib.SMTP("127.0.0.1", port, timeout=30)
        )
        with connection as smtp:
            assert smtp.sendmail("ivan@example.ru", recipients, raw) == {}

    async with build_controller(db, "127.0.0.1", 0, lmtp=lmtp) as server:
        await asyncio.to_thread(send, server.port, ["user_test@devr7.ru"])
        # Again, as a retrying MTA would: accepted, not stored twice. Another user still gets a copy.
        await asyncio.to_thread(send, server.port, ["user_test@devr7.ru"])
        await asyncio.to_thread(send, server.port, ["other_test@devr7.ru"])

    for login in ("user_test", "other_test"):
        me = await client.login(login)
        assert total(await me.data(COUNTS), "INBOX") == 1


async def test_a_local_bcc_recipient_sees_their_own_address_only(db: Database, client: Client) -> None:
    for login in ("ann", "bob", "carl", "dave"):
        await make_user(db, login)
    ann = await client.login("ann")
    await ann.data(
        "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
        {"i": {"to": ["bob@devr7.ru"], "bcc": ["carl@devr7.ru", "Dave <dave@devr7.ru>"], "subject": "S", "body": "b"}},
    )
    bccs = {}
    for login in ("ann", "bob", "carl", "dave"):
        me = await client.login(login)
        [message] = (await me.data("{ messages { nodes { bcc { address } } } }"))["messages"]["nodes"]
        bccs[login] = [a["address"] for a in message["bcc"]]
    assert bccs == {
        "ann": ["carl@devr7.ru", "dave@devr7.ru"],  # the sender's copy names every Bcc
        "bob": [],  # a To recipient never learns of the Bcc recipients
        "carl": ["carl@devr7.ru"],
        "dave": ["dave@devr7.ru"],
    }


async def test_folder_names_match_in_any_case_in_any_script(db: Database, tmp_path: Path) -> None:
    user = await make_user(db, "user_test")
    projects = await make_folder(db, user, "Проекты")
    path = tmp_path / "one.mbox"
    for number, typed in enumerate(("Проекты", "проекты", "ПРОЕКТЫ"), start=1):
        path.write_bytes(mbox(number))
        outcome = await import_mbox_file(db, path, "user_test", typed)
        assert outcome.created == 1, typed
    assert await folder_id(db, user, "INBOX") != projects
