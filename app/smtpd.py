"""The SMTP (or LMTP) server: mail for local users lands in their Inbox.

The server runs on the event loop that owns the ``Database`` (aiosmtpd's
``SMTP`` protocol served with ``loop.create_server``; not aiosmtpd's threaded
``Controller``), so the handler awaits the resolvers directly. RCPT for an
address that is no local user is refused with 550; DATA stores one copy per
accepted recipient through ``resolvers.mail_import.deliver_incoming``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from db.engine import Database
from resolvers.formats.parse import ParseError
from resolvers.mail_import import deliver_incoming, local_recipients
from resolvers.services import Services

log = logging.getLogger("mailgate.smtpd")

DEFAULT_MAX_BYTES = 25 * 1024 * 1024


class MailgateHandler:
    """aiosmtpd hooks: who may receive, and delivery."""

    def __init__(self, db: Database, domain: str, *, lmtp: bool = False, hostname: str | None = None) -> None:
        self.db = db
        self.domain = domain
        self.lmtp = lmtp
        self.hostname = hostname or socket.getfqdn()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            known = await local_recipients(self.db, [address])
        except Exception:
            log.exception("smtpd: looking up %s failed", address)
            return "451 4.3.0 Temporary local problem, try again later"
        if not known:
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        raw = self._trace(session, envelope) + raw
        count = max(1, len(envelope.rcpt_tos))
        try:
            delivered = await deliver_incoming(self.db, envelope.rcpt_tos, raw, self.domain)
        except ParseError as exc:
            return self._each(count, f"554 5.6.0 The message could not be read: {exc}")
        except Exception:
            log.exception("smtpd: delivery failed")
            return self._each(count, "451 4.3.0 Temporary local problem, try again later")
        log.info("smtpd: delivered to %d recipient(s)", len(delivered))
        if not self.lmtp:
            return "250 2.0.0 OK: delivered"
        # LMTP answers once per accepted recipient, in RCPT order.
        lines = []
        for rcpt in envelope.rcpt_tos:
            bare = rcpt.strip().strip("<>").lower()
            lines.append("250 2.0.0 OK" if bare in delivered else f"550 5.1.1 <{rcpt}>: no such user here")
        return "\r\n".join(lines)

    def _each(self, count: int, status: str) -> str:
        return "\r\n".join([status] * count) if self.lmtp else status

    def _trace(self, session: Session, envelope: Envelope) -> bytes:
        """A Received header, as every MTA adds one."""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "unknown")
        helo = session.host_name or "unknown"
        protocol = "LMTP" if self.lmtp else ("ESMTP" if session.extended_smtp else "SMTP")
        line = (
            f"Received: from {helo} ([{peer}])\r\n\tby {self.hostname} (mailgate) with {protocol};\r\n"
            f"\t{format_datetime(datetime.now(UTC))}\r\n"
        )
        return line.encode("ascii", "replace")


class SmtpServer:
    """An SMTP/LMTP server on the running loop; ``port`` 0 takes a free port."""

    def __init__(
        self,
        db: Database,
        host: str = "127.0.0.1",
        port: int = 2525,
        *,
        lmtp: bool = False,
        domain: str = "mailgate.local",
        max_bytes: int = DEFAULT_MAX_BYTES,
        hostname: str | None = None,
    ) -> None:
        self.db = db
        self.host = host
        self.port = port
        self.lmtp = lmtp
        self.handler = MailgateHandler(db, domain, lmtp=lmtp, hostname=hostname)
        self.max_bytes = max_bytes
        self.server: asyncio.Server | None = None
        self.sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def _protocol(self) -> SMTP:
        kind = LMTP if self.lmtp else SMTP
        protocol = kind(
            self.handler,
            data_size_limit=self.max_bytes,
            enable_SMTPUTF8=True,
            hostname=self.handler.hostname,
            loop=asyncio.get_running_loop(),
        )
        self.sessions.add(protocol)
        return protocol

    async def start(self) -> int:
        """Listen; returns the port it listens on."""
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._protocol, self.host, self.port)
        sockets = self.server.sockets or ()
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("%s server on %s:%d", "LMTP" if self.lmtp else "SMTP", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            # Python 3.11's Server has no close_clients(): end open sessions by hand.
            for protocol in list(self.sessions):
                transport = getattr(protocol, "transport", None)
                if transport is not None:
                    transport.close()
            await self.server.wait_closed()
            self.server = None

    async def __aenter__(self) -> SmtpServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()


def _db_and_domain(services_or_db: Services | Database, domain: str | None) -> tuple[Database, str, int]:
    if isinstance(services_or_db, Services):
        return services_or_db.db, domain or services_or_db.mail_domain, services_or_db.max_upload_bytes
    return services_or_db, domain or "mailgate.local", DEFAULT_MAX_BYTES


def build_controller(
    services_or_db: Services | Database,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    lmtp: bool = False,
    domain: str | None = None,
) -> SmtpServer:
    """A server to ``start()`` and ``stop()`` (or use with ``async with``) on the running loop."""
    db, mail_domain, max_bytes = _db_and_domain(services_or_db, domain)
    return SmtpServer(db, host, port, lmtp=lmtp, domain=mail_domain, max_bytes=max_bytes)


@asynccontextmanager
async def running(
    services_or_db: Services | Database, host: str, port: int, *, lmtp: bool = False
) -> AsyncIterator[SmtpServer]:
    server = build_controller(services_or_db, host, port, lmtp=lmtp)
    async with server:
        yield server


async def serve_smtp(services_or_db: Services | Database, host: str, port: int, lmtp: bool = False) -> None:
    """For the CLI: serve until cancelled (Ctrl-C)."""
    async with running(services_or_db, host, port, lmtp=lmtp) as server:
        assert server.server is not None
        await server.server.serve_forever()
