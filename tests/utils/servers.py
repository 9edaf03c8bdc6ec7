"""Real server processes for end-to-end tests: each binds 127.0.0.1 only, every wait has a deadline.

A process announces where it listens by printing ``LISTENING <url>`` on a line of its own;
it binds port 0 itself, so no port is picked by one process and bound by another.
mailgate is started with ``python -m tests.utils.servers`` (uvicorn on the
``app.main:create_app`` factory, over a socket this launcher binds).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"^LISTENING (\S+)$", re.MULTILINE)


class ServerError(AssertionError):
    """A server did not come up (or died); the message ends with its log."""


class ServerProcess:
    """A subprocess whose stdout and stderr go to a log file; stopped by its own pid."""

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log
        self.url: str | None = None
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        return self

    def log_text(self, limit: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return text[-limit:]

    def fail(self, why: str) -> ServerError:
        return ServerError(f"{self.name}: {why}\n--- {self.log_path} ---\n{self.log_text()}")

    def wait_listening(self, timeout: float) -> str:
        """The URL the process printed in its ``LISTENING`` line."""
        deadline = time.monotonic() + timeout
        while True:
            found = LISTENING.search(self.log_text(limit=1_000_000))
            if found:
                self.url = found.group(1).rstrip("/")
                return self.url
            self._check_alive()
            if time.monotonic() > deadline:
                raise self.fail(f"printed no LISTENING line within {timeout:.0f} s")
            time.sleep(0.05)

    def wait_http(self, path: str, timeout: float, *, method: str = "GET", **request: Any) -> httpx.Response:
        """Poll ``path`` until it answers 200 (the process must stay up meanwhile)."""
        assert self.url, "wait_listening first"
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=5.0) as http:
            while True:
                self._check_alive()
                try:
                    response = http.request(method, self.url + path, **request)
                    if response.status_code == 200:
                        return response
                    last = f"HTTP {response.status_code}: {response.text[:300]}"
                except httpx.TransportError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                if time.monotonic() > deadline:
                    raise self.fail(f"{path} did not answer 200 within {timeout:.0f} s ({last})")
                time.sleep(0.1)

    def _check_alive(self) -> None:
        assert self.process is not None, "start first"
        code = self.process.poll()
        if code is not None:
            raise self.fail(f"exited with code {code}")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; only this process, by its pid."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None


class Servers(contextlib.ExitStack):
    """Started processes, stopped in reverse order when the stack closes (even on failure)."""

    def start(self, server: ServerProcess) -> ServerProcess:
        self.callback(server.stop)
        return server.start()


def clean_env(**values: str) -> dict[str, str]:
    """The parent's environment without any ``MAILGATE_*`` (no settings leak in), plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILGATE_")}
    env.update(values)
    return env


def mailgate_process(env: Mapping[str, str], log: Path) -> ServerProcess:
    """mailgate under uvicorn; ``env`` holds its ``MAILGATE_*`` settings."""
    return ServerProcess(
        "mailgate", [sys.executable, "-m", "tests.utils.servers"], env=clean_env(**env), cwd=ROOT, log=log
    )


def _serve_mailgate() -> None:  # pragma: no cover - runs in the subprocess
    import asyncio
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    # Signed links point at where the server really listens.
    os.environ["MAILGATE_HOST"] = "127.0.0.1"
    os.environ["MAILGATE_PORT"] = str(port)
    config = uvicorn.Config("app.main:create_app", factory=True, log_level="warning", lifespan="on")
    print(f"LISTENING http://127.0.0.1:{port}", flush=True)
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    _serve_mailgate()
