"""`mailgate import-mbox` throughput: a deterministic mbox, imported by the CLI on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import mailbox
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.server import ROOT, production_env

WORDS = [
    "the",
    "quarterly",
    "report",
    "meeting",
    "please",
    "review",
    "attached",
    "budget",
    "schedule",
    "tomorrow",
    "thanks",
    "regards",
    "project",
    "update",
    "deadline",
    "client",
    "invoice",
    "agenda",
    "notes",
    "follow",
    "up",
    "on",
    "our",
    "discussion",
    "about",
    "new",
    "release",
]


def make_mbox(path: Path, count: int) -> Path:
    """``count`` plain-text messages (as the peer rig's make_mbox.py): 200-2000 B bodies, ~30% with a 2 KB PDF,
    and one in five a reply to an earlier one (threads form)."""
    rng = random.Random(42)
    base = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    path.unlink(missing_ok=True)  # mailbox.mbox appends to a file that exists
    box = mailbox.mbox(str(path), create=True)
    box.lock()
    try:
        for i in range(count):
            m = email.message.EmailMessage()
            c = rng.randint(1, 500)
            m["From"] = email.utils.formataddr((f"Contact {c}", f"contact{c}@example.org"))
            m["To"] = "bench@mail.example.com"
            if rng.random() < 0.3:
                m["Cc"] = f"cc{c}@example.net"
            m["Subject"] = f"{rng.choice(['Quarterly report', 'Meeting notes', 'Invoice', 'Weekly sync'])} #{i}"
            m["Date"] = email.utils.format_datetime(base - dt.timedelta(seconds=rng.randint(0, 365 * 86400)))
            m["Message-ID"] = f"<mbox{i}.{c}@example.org>"
            if i and rng.random() < 0.2:
                parent = rng.randrange(max(0, i - 50), i)
                m["In-Reply-To"] = f"<mbox{parent}.x@example.org>"
            m.set_content(" ".join(rng.choice(WORDS) for _ in range(rng.randint(35, 330))))
            if rng.random() < 0.3:
                data = bytes(rng.getrandbits(8) for _ in range(2048))
                m.add_attachment(data, maintype="application", subtype="pdf", filename=f"doc{i}.pdf")
            box.add(mailbox.mboxMessage(m))
    finally:
        box.flush()
        box.unlock()
        box.close()
    return path


def _cli(args: list[str], env: dict[str, str]) -> str:
    cmd = [str(Path(sys.executable).with_name("mailgate")), *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def _timed_import(mbox: Path, count: int, login: str, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = _cli(["import-mbox", str(mbox), "--user", login], env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if f"{count} messages imported, 0 failed" not in out:
        raise SystemExit(f"import-mbox did not import all {count} messages:\n{out}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_import(database_url: str, mbox: Path, count: int, var_dir: Path, login: str) -> dict[str, float]:
    """Migrate ``database_url``, create ``login``, run ``mailgate import-mbox``; seconds and messages per second,
    with the command's start-up (a one-message import, into another user) and without it."""
    env = production_env(database_url, var_dir)
    _cli(["migrate"], env)
    for user in (login, f"{login}_startup"):
        _cli(["create-user", user, "--email", f"{user}@mail.example.com", "--password", "BenchPassword1"], env)
    one = make_mbox(mbox.with_suffix(".one"), 1)
    startup_wall, startup_cpu = _timed_import(one, 1, f"{login}_startup", env)
    wall, cpu = _timed_import(mbox, count, login, env)
    return {
        "wall_s": wall,
        "per_s": count / wall,
        "per_s_running": count / max(wall - startup_wall, 1e-3),
        "per_cpu_s_running": count / max(cpu - startup_cpu, 1e-3),
        "startup_s": startup_wall,
    }
