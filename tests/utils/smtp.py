"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port), and a port nobody listens on."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port that was free a moment ago (nothing listens on it once this returns)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        message = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every message it is given."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.recorder.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.recorder.messages


@contextmanager
def smtp_server(host: str = "127.0.0.1") -> Iterator[SmtpServer]:
    """An aiosmtpd Controller (its own thread and loop) that records what it receives."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname=host, port=port, ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(host, port, recorder)
    finally:
        controller.stop()
