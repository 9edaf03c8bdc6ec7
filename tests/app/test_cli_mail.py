"""The mailgate command moves real mail in: import-mbox from a file, smtpd from the network."""

from __future__ import annotations

import asyncio
import os
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.migrate import upgrade
from db.models import Message, table_of
from tests.utils.factories import make_user
from tests.utils.mailbox_files import cp1251_message, koi8r_message


def _command() -> list[str]:
    script = Path(sys.executable).with_name("mailgate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "MAILGATE_DATABASE_URL": url, "MAILGATE_VAR_DIR": str(tmp_path / "var")}


async def _prepare(tmp_path: Path) -> tuple[str, Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    await upgrade(db)
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    return url, db


async def _count(db: Database) -> int:
    table = table_of(Message)
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_import_mbox_command_lands_every_message(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    mbox = tmp_path / "old.mbox"
    with mbox.open("wb") as out:
        for number in range(1, 6):
            raw = koi8r_message(number) if number % 2 else cp1251_message(number)
            out.write(b"From sender@example.com Sat Nov 21 10:00:00 2026\n" + raw.replace(b"\r\n", b"\n") + b"\n")

    done = await asyncio.to_thread(
        subprocess.run,
        [*_command(), "import-mbox", str(mbox), "--user", "user_test", "--folder", "Archive"],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "5 messages imported" in done.stderr
    assert await _count(db) == 5
    await db.dispose()


async def test_import_mbox_command_names_an_unknown_user(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    mbox = tmp_path / "one.eml"
    mbox.write_bytes(koi8r_message(1))
    done = await asyncio.to_thread(
        subprocess.run,
        [*_command(), "import-mbox", str(mbox), "--user", "nobody"],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "nobody" in done.stderr
    await db.dispose()


async def test_smtpd_command_delivers_to_a_local_user(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [*_command(), "smtpd", "--port", str(port)],
        env=_env(url, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"mailgate smtpd did not start: {server.stderr.read() if server.stderr else ''}")
                await asyncio.sleep(0.2)
        mail = EmailMessage()
        mail["From"] = "Партнёр <partner@example.com>"
        mail["To"] = "siz_test@devr7.ru"
        mail["Subject"] = "Счёт на оплату"
        mail.set_content("Добрый день!")

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.send_message(mail)

        await asyncio.to_thread(send)
        assert await _count(db) == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()
        await db.dispose()
