"""The SMTP/LMTP server: started on a free port, spoken to with the stdlib's smtplib."""

from __future__ import annotations

import asyncio
import smtplib

import pytest

from app.smtpd import build_controller
from db.engine import Database
from tests.utils import mailbox_files as mf
from tests.utils.factories import make_user
from tests.utils.graphql import Client


def crlf(raw: bytes) -> bytes:
    """Lines end with CRLF on the wire (smtplib sends bytes as they are)."""
    return raw.replace(b"\n", b"\r\n")


INBOX = "{ messages { nodes { subject body from { name address } folder { role } wasRead } } }"


async def test_smtp_delivers_to_a_local_user_who_sees_it(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    await make_user(db, "other_test")
    raw = crlf(mf.koi8r_message())

    def send(port: int) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            return smtp.sendmail("ivan@example.ru", ["user_test@devr7.ru", "Other_Test@DEVR7.ru"], raw)

    async with build_controller(db, "127.0.0.1", 0) as server:
        assert server.port
        refused = await asyncio.to_thread(send, server.port)

    assert refused == {}
    for login in ("user_test", "other_test"):
        me = await client.login(login)
        [msg] = (await me.data(INBOX))["messages"]["nodes"]
        assert msg == {
            "subject": "Отчёт за март",
            "body": "Привет! Отчёт во вложении.\n",
            "from": {"name": "Иван Петров", "address": "ivan@example.ru"},
            "folder": {"role": "INBOX"},
            "wasRead": False,
        }


async def test_unknown_recipient_gets_550_at_rcpt(db: Database, client: Client) -> None:
    await make_user(db, "user_test")

    def talk(port: int) -> tuple[int, int, dict[str, tuple[int, bytes]]]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo("client.example.com")
            smtp.mail("sender@example.com")
            unknown, _ = smtp.rcpt("nobody@devr7.ru")
            known, _ = smtp.rcpt("user_test@devr7.ru")
            smtp.rset()
            refused = smtp.sendmail(
                "sender@example.com", ["nobody@devr7.ru", "user_test@devr7.ru"], crlf(mf.alternative_message())
            )
            return unknown, known, refused

    async with build_controller(db, "127.0.0.1", 0) as server:
        unknown, known, refused = await asyncio.to_thread(talk, server.port)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
            await asyncio.to_thread(_send_to, server.port, ["ghost@elsewhere.org"], mf.koi8r_message())

    assert (unknown, known) == (550, 250)
    assert refused["nobody@devr7.ru"][0] == 550 and list(refused) == ["nobody@devr7.ru"]
    assert caught.value.recipients["ghost@elsewhere.org"][0] == 550
    me = await client.login("user_test")
    assert [m["subject"] for m in (await me.data(INBOX))["messages"]["nodes"]] == ["Alternative"]


def _send_to(port: int, recipients: list[str], raw: bytes, *, lmtp: bool = False) -> dict[str, tuple[int, bytes]]:
    smtp = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port, timeout=30)
    with smtp:
        return smtp.sendmail("sender@example.com", recipients, raw)


async def test_unreadable_message_is_refused_at_data(db: Database) -> None:
    await make_user(db, "user_test")
    async with build_controller(db, "127.0.0.1", 0) as server:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            await asyncio.to_thread(_send_to, server.port, ["user_test@devr7.ru"], b"\x00\x01\x02 not mail\r\n")
    assert caught.value.smtp_code == 554


async def test_lmtp_delivers_and_threads_a_reply(db: Database, client: Client) -> None:
    await make_user(db, "user_test")
    root = mf.message(mf.basic_headers(1, subject="Поставка"), "first\n")
    reply = mf.message([*mf.basic_headers(2, subject="RE: Поставка"), ("In-Reply-To", "<m1@example.com>")], "second\n")

    async with build_controller(db, "127.0.0.1", 0, lmtp=True) as server:
        for raw in (crlf(root), crlf(reply)):
            assert await asyncio.to_thread(_send_to, server.port, ["user_test@devr7.ru"], raw, lmtp=True) == {}

    me = await client.login("user_test")
    nodes = (await me.data("{ messages { nodes { subject thread { name } } } }"))["messages"]["nodes"]
    assert [n["subject"] for n in nodes] == ["RE: Поставка", "Поставка"]
    assert nodes[0]["thread"] == nodes[1]["thread"] == {"name": "Поставка"}
