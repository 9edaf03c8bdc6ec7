"""Counting what a block of code sends to the database, below SQLAlchemy.

On PostgreSQL a loopback proxy sits between the app and the server and reads the
frontend protocol: every simple Query ('Q') and every Sync ('S', which closes an
extended-protocol pipeline: Parse/Bind/Execute) is one round trip, whatever
asked for it — a statement, a prepare, BEGIN, COMMIT, ROLLBACK or a ping.

On SQLite, SQLite's own trace callback sees every statement the engine runs,
BEGIN, COMMIT and ROLLBACK included (pysqlite issues those behind SQLAlchemy's
back).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.util import await_

from db.engine import Database

_SSL_REQUEST = 80877103


class Recorder:
    """Round trips seen while a ``counting`` block is open (thread-safe appends)."""

    def __init__(self) -> None:
        self._windows: list[list[str]] = []
        self._lock = threading.Lock()

    def add(self, trip: str) -> None:
        with self._lock:
            for window in self._windows:
                window.append(trip)

    @contextmanager
    def window(self) -> Iterator[list[str]]:
        trips: list[str] = []
        with self._lock:
            self._windows.append(trips)
        try:
            yield trips
        finally:
            with self._lock:
                self._windows.remove(trips)


class PostgresWire:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL that records each round trip."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.upstream = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self.recorder = Recorder()
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        # No TLS, so that the proxy can read the messages.
        self.url = parsed.set(host="127.0.0.1", port=port).update_query_dict({"ssl": "disable"})
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._closed = False

    def start(self) -> PostgresWire:
        self._spawn(self._accept)
        return self

    def url_string(self) -> str:
        return self.url.render_as_string(hide_password=False)

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in self._sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            self._spawn(self._client_to_server, client, server)
            self._spawn(self._pump, server, client)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    def _client_to_server(self, client: socket.socket, server: socket.socket) -> None:
        buffer = b""
        started = False
        pipeline: list[str] = []
        try:
            while data := client.recv(65536):
                server.sendall(data)
                buffer += data
                while True:
                    if not started:  # startup packets: length, then payload, no type byte
                        if len(buffer) < 8:
                            break
                        (length,) = struct.unpack("!I", buffer[:4])
                        if len(buffer) < length:
                            break
                        code = struct.unpack("!I", buffer[4:8])[0]
                        buffer = buffer[length:]
                        started = code != _SSL_REQUEST
                        continue
                    if len(buffer) < 5:
                        break
                    kind = chr(buffer[0])
                    (length,) = struct.unpack("!I", buffer[1:5])
                    if len(buffer) < 1 + length:
                        break
                    body, buffer = buffer[5 : 1 + length], buffer[1 + length :]
                    if kind == "Q":
                        self.recorder.add("Q " + body.rstrip(b"\0").decode(errors="replace"))
                    elif kind == "P":  # Parse: statement name, query text
                        _name, _, rest = body.partition(b"\0")
                        pipeline.append("PREPARE " + rest.partition(b"\0")[0].decode(errors="replace"))
                    elif kind == "E":
                        pipeline.append("EXECUTE")
                    elif kind == "S":
                        self.recorder.add(" | ".join(pipeline) or "SYNC")
                        pipeline = []
        except OSError:
            pass
        finally:
            with suppress(OSError):
                server.shutdown(socket.SHUT_WR)


class SqliteTrace:
    """Every statement SQLite runs on ``db``'s connections while a window is open."""

    def __init__(self, db: Database) -> None:
        self.recorder = Recorder()
        self._engines = [engine.sync_engine for engine in db.engines]

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        await_(dbapi_connection.driver_connection.set_trace_callback(self.recorder.add))

    @contextmanager
    def window(self) -> Iterator[list[str]]:
        for engine in self._engines:
            event.listen(engine, "checkout", self._on_checkout)
        try:
            with self.recorder.window() as trips:
                yield trips
        finally:
            for engine in self._engines:
                event.remove(engine, "checkout", self._on_checkout)


class RoundTrips:
    """What the app sends to its database, for either backend."""

    def __init__(self, db: Database, wire: PostgresWire | None) -> None:
        self.db = db
        self.wire = wire
        self._sqlite = SqliteTrace(db) if wire is None else None

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The round trips (PostgreSQL) or statements (SQLite) sent inside the block."""
        if self.wire is not None:
            with self.wire.recorder.window() as trips:
                yield trips
        else:
            assert self._sqlite is not None
            with self._sqlite.window() as trips:
                yield trips
