"""What an operator reads: `mailgate serve` and `mailgate smtpd` as JSON lines, from start to each delivery."""

from __future__ import annotations

import json
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.test_cli_mail import _command, _env, _free_port, _prepare


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line the process wrote; each must be a JSON object."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}\n--- log ---\n{path.read_text()[-4000:]}")
    return parsed


def wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"the process did not listen on {port}:\n{log.read_text()[-4000:]}")
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


PROBE = """
import asyncio, sys
import app.cli, app.smtpd
from app.settings import Settings

async def listening(*args, **kwargs):  # where the server would bind: what has been imported by then?
    heavy = ("strawberry", "starlette", "uvicorn", "fpdf", "openpyxl", "app.main")
    print(sorted(m for m in heavy if m in sys.modules))

app.smtpd.serve_smtp = listening
asyncio.run(app.cli._smtpd(Settings(), "127.0.0.1", 0, False))
"""


def test_smtpd_needs_no_web_stack_to_start(tmp_path: Path) -> None:
    # What made `mailgate smtpd` slow to open its port: importing the GraphQL app first. It must not.
    env = _env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True, env=env
    )
    assert done.stdout.strip() == "[]"


async def test_smtpd_logs_where_it_listens_and_each_delivery(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    await db.dispose()
    port = _free_port()
    log = tmp_path / "smtpd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_command(), "smtpd", "--port", str(port)],
            env={**_env(url, tmp_path), "MAILGATE_LOG_FORMAT": "json"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_port(port, process, log)
        mail = EmailMessage()
        mail["From"] = "partner@example.com"
        mail["To"] = "siz_test@devr7.ru"
        mail["Subject"] = "Счёт"
        mail["Message-ID"] = "<invoice-1@example.com>"
        mail.set_content("Добрый день!")
        for _ in range(2):  # the second time as a retrying MTA would
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.send_message(mail)
    finally:
        stop(process)

    entries = json_lines(log)
    listening = [e for e in entries if e.get("listen") == f"127.0.0.1:{port}"]
    assert listening and "listening" in listening[0]["message"]
    deliveries = [e for e in entries if e.get("result") == "delivered"]
    assert [(d["message_id"], d["recipients"], d["stored"], d["duplicates"]) for d in deliveries] == [
        ("invoice-1@example.com", ["siz_test@devr7.ru"], ["siz_test@devr7.ru"], []),
        ("invoice-1@example.com", ["siz_test@devr7.ru"], [], ["siz_test@devr7.ru"]),
    ]


async def test_serve_logs_its_addresses_relay_and_operations_as_json(tmp_path: Path) -> None:
    url, db = await _prepare(tmp_path)
    await db.dispose()
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **_env(url, tmp_path),
        "MAILGATE_LOG_FORMAT": "json",
        "MAILGATE_PORT": str(port),
        "MAILGATE_SMTP_URL": "smtp://mailer:s3cret@127.0.0.1:2525?starttls=require",
    }
    with log.open("wb") as out:
        process = subprocess.Popen([*_command(), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_port(port, process, log)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            assert http.get("/readyz").status_code == 200
            answer = http.post(
                "/graphql", json={"query": "query Hello { __typename }"}, headers={"x-request-id": "r-1"}
            )
            assert answer.json() == {"data": {"__typename": "Query"}}
    finally:
        stop(process)

    text = log.read_text()
    assert "s3cret" not in text
    entries = json_lines(log)
    listening = next(e for e in entries if e.get("graphql_url"))
    assert listening["graphql_url"] == f"http://127.0.0.1:{port}/graphql"
    relay = next(e for e in entries if "relay" in e)
    assert relay["relay"] == "127.0.0.1:2525 (STARTTLS required) as mailer"
    assert any("Uvicorn running on" in e["message"] and str(port) in e["message"] for e in entries)
    [operation] = [e for e in entries if e["logger"] == "mailgate.operations"]
    assert operation["operation_name"] == "Hello" and operation["request_id"] == "r-1"
    assert operation["executor"] == "compiled" and operation["level"] == "INFO"  # a query: its compiled plan
