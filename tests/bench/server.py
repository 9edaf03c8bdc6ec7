"""mailgate served for the benchmarks: real uvicorn processes with the production settings.

``python -m tests.bench.server --port P --processes N`` (what ``Server`` runs) opens one listening
socket per process, each with SO_REUSEPORT on the same port, and runs one uvicorn per socket
(``--fd``): the kernel spreads connections over the processes, with no supervisor in the request
path. It stays their parent (so its process tree holds the servers' CPU) and stops them on SIGTERM.
Settings: the defaults of app/settings.py except no demo data, no migration on start (the
loader migrated; N processes would race), no access log, log level warning.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    kids: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                kids.setdefault(int(_stat(int(p.name))[1]), []).append(int(p.name))
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        x = todo.pop()
        out.append(x)
        todo.extend(kids.get(x, []))
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants."""
    total = 0.0
    for p in descendants(pid):
        try:
            f = _stat(p)
        except OSError:
            continue
        total += (int(f[11]) + int(f[12])) / TICK
    return total


def worker_rss_mb(pid: int) -> list[float]:
    """Resident memory of each uvicorn process under ``pid``, in MB."""
    out = []
    for p in descendants(pid)[1:]:
        try:
            out.append(int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE / 2**20)
        except OSError:
            continue
    return out


def production_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILGATE_")}
    env.update(
        MAILGATE_DATABASE_URL=database_url,
        MAILGATE_DEMO_DATA="false",
        MAILGATE_MIGRATE_ON_START="false",
        MAILGATE_VAR_DIR=str(var_dir),
    )
    return env


class Server:
    """``with Server(url, port, processes, var_dir) as s:`` mailgate answering on ``s.url``."""

    def __init__(self, database_url: str, port: int, processes: int, var_dir: Path, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.args = [sys.executable, "-m", "tests.bench.server", "--port", str(port), "--processes", str(processes)]
        self.env = production_env(database_url, var_dir)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_ready(self.url, self.proc, self.log)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Until ``url`` answers ``{ __typename }`` (every process: a few probes); exit if the server died."""
    deadline = time.monotonic() + timeout
    ok = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"mailgate did not start; its log ({log}):\n" + log.read_text()[-3000:])
        try:
            request = urllib.request.Request(url, b'{"query":"{ __typename }"}', {"content-type": "application/json"})
            urllib.request.urlopen(request, timeout=5).read()
            ok += 1
            if ok >= 4:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"mailgate not ready after {timeout:.0f} s; its log: {log}")


def reuseport_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    uvicorn = str(Path(sys.executable).with_name("uvicorn"))
    children = []
    for _ in range(args.processes):
        sock = reuseport_socket(args.host, args.port)
        cmd = [uvicorn, "--factory", "app.main:create_app", "--fd", str(sock.fileno()), "--no-access-log",
               "--no-proxy-headers", "--log-level", "warning"]  # fmt: skip
        children.append(subprocess.Popen(cmd, pass_fds=[sock.fileno()], cwd=ROOT))
        sock.close()

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while any(child.poll() is None for child in children):
        time.sleep(0.5)
        if any(child.poll() is not None for child in children):
            stop()  # one died: take the others down too, so a broken server is seen
    sys.exit(max(child.returncode or 0 for child in children))


if __name__ == "__main__":
    main()
