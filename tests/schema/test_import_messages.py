"""importMessages: an mbox or an .eml uploaded as a GraphQL multipart request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import event, func, select

from db.engine import Database
from db.models import Blob, Folder, Message, table_of
from resolvers.mail_import import import_mbox_file
from tests.utils import mailbox_files as mf
from tests.utils.factories import folder_id, make_folder, make_user
from tests.utils.graphql import Client

IMPORT = """
mutation($file: Upload!, $folderId: ID) {
  importMessages(file: $file, folderId: $folderId) {
    created updated failed errors { row column message } errorReport { url }
  }
}
"""


async def upload(
    http: httpx.AsyncClient, token: str | None, data: bytes, folder: int | str | None = None, name: str = "mail.mbox"
) -> dict[str, Any]:
    """A multipart request as the GraphQL multipart request spec has it: operations, map, the file."""
    operations = {"query": IMPORT, "variables": {"file": None, "folderId": str(folder) if folder else None}}
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql",
        data={"operations": orjson.dumps(operations).decode(), "map": orjson.dumps({"0": ["variables.file"]}).decode()},
        files={"0": (name, data, "application/mbox")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@contextmanager
def counting_commits(db: Database) -> Iterator[list[int]]:
    commits: list[int] = []

    def on_commit(_conn: Any) -> None:
        commits.append(1)

    event.listen(db.write_engine.sync_engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(db.write_engine.sync_engine, "commit", on_commit)


FOLDERS = "{ folders { id role totalCount unreadCount } }"


@pytest.mark.slow
async def test_thousand_messages_in_mixed_charsets_one_broken(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    user = await make_user(db, "user_test")
    me = await client.login("user_test")
    data = mf.mixed_mbox(1000, broken=503)

    with counting_commits(db) as commits:
        body = await upload(http, me.token, data)

    assert "errors" not in body, body
    result = body["data"]["importMessages"]
    assert (result["created"], result["updated"], result["failed"]) == (999, 0, 1)
    [error] = result["errors"]
    assert error["row"] == 503 and error["column"] is None and "binary" in error["message"]
    assert result["errorReport"] is None
    assert 10 <= len(commits) <= 20, "batches of about 100 messages, one unit of work each"

    # Folder counters equal a recount.
    inbox = await folder_id(db, user, "INBOX")
    m = table_of(Message)
    f = table_of(Folder)
    async with db.read() as session:
        recount = (
            await session.execute(
                select(func.count(), func.sum(func.cast(~m.c.was_read, type_=m.c.size.type))).where(
                    m.c.folder_id == inbox
                )
            )
        ).one()
        stored = (await session.execute(select(f.c.total_count, f.c.unread_count).where(f.c.id == inbox))).one()
        threads = (
            await session.execute(
                select(m.c.thread_id, func.count()).where(m.c.owner_id == user.id).group_by(m.c.thread_id)
            )
        ).all()
        raw_total = (await session.execute(select(func.sum(m.c.size)))).scalar_one()
    assert tuple(recount) == (999, 999)
    assert tuple(stored) == (999, 999)
    folders = {x["role"]: x for x in (await me.data(FOLDERS))["folders"]}
    assert (folders["INBOX"]["totalCount"], folders["INBOX"]["unreadCount"]) == (999, 999)

    # Threads formed from replies: 200 groups of a root and 4 replies (one reply was broken).
    sizes = sorted(count for thread, count in threads if thread is not None)
    assert None not in {t for t, _ in threads}
    assert sizes == [4] + [5] * 199
    assert raw_total == sum(len(mf.mixed_message(i)) for i in range(1000) if i != 502)

    listed = await me.data(
        """{ messages(first: 5, orderBy: {field: DATE, direction: ASC}) {
             totalCount nodes { subject body from { name address } thread { name } messageId inReplyTo } } }"""
    )
    nodes = listed["messages"]["nodes"]
    assert listed["messages"]["totalCount"] == 999
    assert nodes[0]["subject"] == "Отчёт за март" and nodes[0]["body"] == "Привет! Отчёт во вложении.\n"
    assert nodes[0]["from"] == {"name": "Иван Петров", "address": "ivan@example.ru"}
    assert nodes[0]["thread"] == {"name": "Отчёт за март"}
    assert nodes[1]["subject"] == "Счёт на оплату №5" and nodes[1]["inReplyTo"] == "m1@example.com"
    assert nodes[2]["body"].startswith("Line one\nFrom here on")
    assert nodes[3]["subject"] == "Тема 1"
    threads_seen = await me.data("{ mailThreads(first: 1) { totalCount } }")
    assert threads_seen["mailThreads"]["totalCount"] == 200


async def test_one_eml_into_a_folder_keeps_source_files_and_invite(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    user = await make_user(db, "user_test")
    archive = await folder_id(db, user, "ARCHIVE")
    me = await client.login("user_test")
    raw = mf.nested_attachment_message()

    body = await upload(http, me.token, raw, archive, name="report.eml")

    assert body["data"]["importMessages"] == {
        "created": 1,
        "updated": 0,
        "failed": 0,
        "errors": [],
        "errorReport": None,
    }
    page = await me.data(
        """query($f: ID) { messages(folderId: $f) { nodes { subject size hasAttachments
             attachments { fileName mimeType size isInline contentId } } } }""",
        {"f": str(archive)},
    )
    [msg] = page["messages"]["nodes"]
    assert msg["subject"] == "Nested" and msg["size"] == len(raw) and msg["hasAttachments"]
    assert msg["attachments"] == [
        {
            "fileName": "отчёт.pdf",
            "mimeType": "application/pdf",
            "size": len(mf.PDF),
            "isInline": False,
            "contentId": None,
        }
    ]
    m = table_of(Message)
    b = table_of(Blob)
    async with db.read() as session:
        source = (await session.execute(select(b.c.data).join(m, m.c.raw_sha256 == b.c.sha256))).scalar_one()
    assert bytes(source) == raw

    await upload(http, me.token, mf.invite_message(2), name="invite.eml")
    await upload(http, me.token, mf.inline_image_message(3), name="logo.eml")
    inbox = await me.data(
        """query($f: ID) { messages(folderId: $f, orderBy: {field: DATE, direction: ASC}) {
             nodes { subject eventInviteStatus hasAttachments attachments { fileName isInline contentId } } } }""",
        {"f": str(await folder_id(db, user, "INBOX"))},
    )
    invite, logo = inbox["messages"]["nodes"]
    assert (invite["subject"], invite["eventInviteStatus"]) == ("Invitation: Planning", "DECLINED")
    assert logo["attachments"] == [{"fileName": "logo.png", "isInline": True, "contentId": "logo.123@example.com"}]
    assert logo["hasAttachments"] is False


async def test_someone_elses_folder_is_not_found(db: Database, client: Client, http: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    other = await make_user(db, "other_test")
    theirs = await folder_id(db, other, "INBOX")
    me = await client.login("user_test")

    body = await upload(http, me.token, mf.koi8r_message(), theirs)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    body = await upload(http, me.token, mf.koi8r_message(), "nope")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    body = await upload(http, None, mf.koi8r_message())
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(table_of(Message)))).scalar_one() == 0


async def test_a_reply_joins_the_thread_of_a_message_already_there(
    db: Database, client: Client, http: httpx.AsyncClient
) -> None:
    await make_user(db, "user_test")
    me = await client.login("user_test")
    root = mf.message(mf.basic_headers(1, subject="Квартальный отчёт"), "root\n")
    reply = mf.message(
        [*mf.basic_headers(2, subject="Отв: Re: Квартальный отчёт"), ("References", "<m1@example.com>")], "reply\n"
    )
    unrelated = mf.message(mf.basic_headers(3, subject="Other"), "other\n")
    await upload(http, me.token, root, name="root.eml")
    await upload(http, me.token, b"".join(mf.mbox_of([reply, unrelated])))

    page = await me.data(
        "{ messages(orderBy: {field: DATE, direction: ASC}) { nodes { subject thread { id name } } } }"
    )
    first, second, third = page["messages"]["nodes"]
    assert first["thread"] is not None and first["thread"] == second["thread"]
    assert first["thread"]["name"] == "Квартальный отчёт"
    assert third["thread"] is None


async def test_cli_import_by_folder_name_reports_progress(db: Database, tmp_path: Any) -> None:
    user = await make_user(db, "user_test")
    projects = await make_folder(db, user, "Projects")
    path = tmp_path / "mail.mbox"
    path.write_bytes(mf.mixed_mbox(250, broken=7))
    seen: list[tuple[int, int, int]] = []

    outcome = await import_mbox_file(
        db, path, "user_test", "projects", lambda o, pos: seen.append((o.created, o.failed, pos))
    )

    assert (outcome.created, outcome.failed, outcome.errors[0][0]) == (249, 1, 7)
    assert seen[-1] == (249, 1, path.stat().st_size)
    assert len(seen) >= 3
    async with db.read() as session:
        f = table_of(Folder)
        total = (await session.execute(select(f.c.total_count).where(f.c.id == projects))).scalar_one()
    assert total == 249


@pytest.mark.sqlite_only
async def test_a_message_that_cannot_be_stored_fails_alone(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from resolvers import mail_import

    user = await make_user(db, "user_test")
    real = mail_import.store_messages

    async def picky(session: Any, owner_id: int, folder: int, news: list[Any], **kw: Any) -> list[int]:
        if any(new.message_id_header == "m4@example.com" for new in news):
            raise ValueError("refused")
        return await real(session, owner_id, folder, news, **kw)

    monkeypatch.setattr(mail_import, "store_messages", picky)
    outcome = await mail_import.import_messages(db, user.id, io.BytesIO(mf.mixed_mbox(12)), None, "x", batch_messages=5)

    assert (outcome.created, outcome.failed, outcome.errors) == (11, 1, [(4, "the message could not be stored")])
    inbox = await folder_id(db, user, "INBOX")
    f = table_of(Folder)
    m = table_of(Message)
    async with db.read() as session:
        total = (await session.execute(select(f.c.total_count).where(f.c.id == inbox))).scalar_one()
        count = (await session.execute(select(func.count()).where(m.c.folder_id == inbox))).scalar_one()
    assert total == count == 11
