"""A TCP proxy in front of PostgreSQL that counts round trips at the protocol level.

A round trip is a ReadyForQuery ('Z') message from the server after start-up: one per simple
Query and one per Sync, i.e. every time the client waits for the server; BEGIN, COMMIT,
ROLLBACK and pings count like any statement. The client's Query/Parse/Bind/Execute/Sync
messages are counted too, and new connections apart (their start-up is not a round trip).
Runs its own event loop in a thread, so the benchmark's loop and the server stay untouched.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

SSL_CODES = (80877103, 80877104)  # SSLRequest, GSSENCRequest: refused here ('N'), the client goes on in plain text


class CountingProxy:
    """``with CountingProxy(pg_host, pg_port) as proxy:`` listen on ``proxy.port``; ``proxy.snapshot()``."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)

    def _add(self, key: str, n: int = 1) -> None:
        with self._lock:
            self.counts[key] += n

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the counting proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.close()

    def _typed(self, buf: bytes, wanted: str) -> bytes:
        """Count complete typed messages at the head of ``buf`` whose type is in ``wanted``; the rest."""
        while len(buf) >= 5:
            n = int.from_bytes(buf[1:5], "big")
            if len(buf) < 1 + n:
                break
            t = chr(buf[0])
            if t in wanted:
                self._add(t)
            buf = buf[1 + n :]
        return buf

    async def _client_side(
        self, reader: asyncio.StreamReader, server: asyncio.StreamWriter, client: asyncio.StreamWriter
    ) -> None:
        started, buf = False, b""
        while data := await reader.read(65536):
            if started:
                server.write(data)
                buf = self._typed(buf + data, "QPBES")
            else:
                buf += data
                out = b""
                while not started and len(buf) >= 8:
                    n = int.from_bytes(buf[0:4], "big")
                    if len(buf) < n:
                        break
                    message, buf = buf[:n], buf[n:]
                    if int.from_bytes(message[4:8], "big") in SSL_CODES:
                        client.write(b"N")
                        continue
                    out += message
                    started = True
                if started:
                    out += buf
                    buf = self._typed(buf, "QPBES")
                if out:
                    server.write(out)
            await server.drain()
        server.close()

    async def _server_side(self, reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        buf, first = b"", True
        while data := await reader.read(65536):
            buf += data
            while len(buf) >= 5:
                n = int.from_bytes(buf[1:5], "big")
                if len(buf) < 1 + n:
                    break
                if buf[0:1] == b"Z":
                    self._add("connections" if first else "round_trips")
                    first = False
                buf = buf[1 + n :]
            client.write(data)
            await client.drain()
        client.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            s_reader, s_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._client_side(reader, s_writer, writer), self._server_side(s_reader, writer), return_exceptions=True
        )
