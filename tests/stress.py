"""`make stress`: many clients writing at once against a real server, on SQLite and PostgreSQL.

Not a test (pytest collects test_*.py only): it runs for minutes and its figures
depend on the machine. For each database it migrates a fresh one, creates users with
mail, starts `mailgate serve` (uvicorn) on a free loopback port, and has CLIENTS
clients (five per user) do mixed work for SECONDS: list a page, read a message,
mark read, flag, move and label messages their user shares with the user's other
clients, send to another user, and delete messages of their own. Then it reports:

- requests, requests/s and latency p50/p99 (client side, loopback);
- errors by code (NOT_FOUND would be a race; none is expected: deletes touch only
  each client's own messages) and HTTP statuses >= 500;
- lost or duplicated messages: each send must exist exactly twice (the sender's
  copy and the recipient's), none of the seeded mail may vanish but what was deleted;
- counters: every folder and label counter equal to a recount of the messages table.

``python -m tests.stress [--clients 30] [--seconds 60] [--databases sqlite,postgresql]``;
PostgreSQL comes from MAILGATE_TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test,
where a database of its own is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.engine import Database, async_url
from db.migrate import upgrade
from db.models import Folder, Label, Message, MessageLabel, table_of
from resolvers.records import UserRecord
from tests.utils.databases import postgres_admin_url
from tests.utils.factories import PASSWORD, deliver, make_label, make_user

USERS = 6
SHARED = 20
OWN_PER_CLIENT = 12

LOGIN = "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }"
STATE = "{ folders { id role } labels { id } }"
LIST = "{ messages(first: 20) { totalCount nodes { id subject wasRead folder { id } labels { id } } } }"
READ = "query($id: ID!) { message(id: $id) { id subject body } }"
MARK_READ = "mutation($ids: [ID!]!, $r: Boolean!) { markAsRead(ids: $ids, wasRead: $r) { count } }"
IMPORTANT = "mutation($ids: [ID!]!, $i: Boolean!) { markAsImportant(ids: $ids, important: $i) { count } }"
MOVE = "mutation($ids: [ID!]!, $to: ID!) { moveMessages(ids: $ids, toFolderId: $to) { count } }"
LABELS = """mutation($ids: [ID!]!, $add: [ID!], $remove: [ID!]) {
  setLabels(ids: $ids, add: $add, remove: $remove) { count } }"""
SEND = """mutation($to: String!, $s: String!) {
  sendMessage(input: {to: [$to], subject: $s, body: "stress"}) { id } }"""
DELETE = "mutation($ids: [ID!]!, $p: Boolean) { deleteMessages(ids: $ids, permanent: $p) { count } }"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: list[tuple[int, int, str]] = field(default_factory=list)  # sender, recipient, subject
    destroyed: set[int] = field(default_factory=set)


@dataclass
class Mailbox:
    user_id: int
    email: str
    shared: list[str]
    labels: list[str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(db: Database) -> list[Mailbox]:
    """Users with mail that their clients share."""
    boxes: list[Mailbox] = []
    for n in range(USERS):
        user = await make_user(db, f"stress{n}")
        labels = [str((await make_label(db, user, name)).id) for name in ("red", "blue", "green")]
        shared = [str(await deliver(db, user, subject=f"shared {n}.{i}")) for i in range(SHARED)]
        boxes.append(Mailbox(user.id, user.email, shared, labels))
    return boxes


async def add_own(db: Database, box: Mailbox) -> list[str]:
    """Mail of one client's own, which only that client deletes (so no NOT_FOUND race)."""
    owner = UserRecord(id=box.user_id, login="", name="", email=box.email)
    return [str(await deliver(db, owner, subject=f"own {uuid.uuid4().hex[:8]}")) for _ in range(OWN_PER_CLIENT)]


async def client_loop(
    http: httpx.AsyncClient, token: str, me: Mailbox, others: list[Mailbox], own: list[str], until: float, tally: Tally
) -> None:
    headers = {"authorization": f"Bearer {token}"}
    rng = random.Random()
    state = (await http.post("/graphql", json={"query": STATE}, headers=headers)).json()["data"]
    folders = [f["id"] for f in state["folders"] if f["role"] in ("INBOX", "ARCHIVE", None)]
    own = list(own)
    in_trash: list[str] = []
    while time.monotonic() < until:
        pick = rng.random()
        variables: dict[str, Any]
        chosen = rng.sample(me.shared, 3)
        destroying: list[str] = []
        sending: tuple[int, int, str] | None = None
        if pick < 0.15:
            query, variables = LIST, {}
        elif pick < 0.25:
            query, variables = READ, {"id": rng.choice(me.shared)}
        elif pick < 0.40:
            query, variables = MARK_READ, {"ids": chosen, "r": rng.random() < 0.5}
        elif pick < 0.48:
            query, variables = IMPORTANT, {"ids": chosen, "i": rng.random() < 0.5}
        elif pick < 0.60:
            query, variables = MOVE, {"ids": chosen, "to": rng.choice(folders)}
        elif pick < 0.72:
            which = "add" if rng.random() < 0.5 else "remove"
            query, variables = LABELS, {"ids": chosen, which: [rng.choice(me.labels)]}
        elif pick < 0.90 or not (own or in_trash):
            other = rng.choice(others)
            sending = (me.user_id, other.user_id, f"stress {uuid.uuid4().hex}")
            query, variables = SEND, {"to": other.email, "s": sending[2]}
        elif in_trash and rng.random() < 0.5:
            destroying = [in_trash.pop()]
            query, variables = DELETE, {"ids": destroying, "p": False}  # from Trash: destroyed
        else:
            doomed = own.pop()
            query, variables = DELETE, {"ids": [doomed], "p": rng.random() < 0.3}
            if not variables["p"]:
                in_trash.append(doomed)
            else:
                destroying = [doomed]
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[response.status_code] += 1
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        errors = body.get("errors") or []
        for error in errors:
            tally.codes[(error.get("extensions") or {}).get("code", "?")] += 1
        if not errors and sending is not None:
            tally.sent.append(sending)
        if not errors and destroying:
            tally.destroyed.update(int(i) for i in destroying)


async def check(db: Database, boxes: list[Mailbox], tally: Tally, seeded: set[int]) -> dict[str, Any]:
    """Lost/duplicated messages and counter exactness, straight from the database."""
    m, f, lab, ml = table_of(Message), table_of(Folder), table_of(Label), table_of(MessageLabel)
    async with db.read() as session:
        rows = (await session.execute(select(m.c.id, m.c.owner_id, m.c.subject))).all()
        unread = func.sum(func.cast(~m.c.was_read, lab.c.message_count.type))
        folder_counts = {
            r[0]: (int(r[1]), int(r[2] or 0))
            for r in await session.execute(select(m.c.folder_id, func.count(), unread).group_by(m.c.folder_id))
        }
        label_counts = {
            r[0]: (int(r[1]), int(r[2] or 0))
            for r in await session.execute(
                select(ml.c.label_id, func.count(), unread).join(m, m.c.id == ml.c.message_id).group_by(ml.c.label_id)
            )
        }
        folders = (await session.execute(select(f.c.id, f.c.total_count, f.c.unread_count))).all()
        labels = (await session.execute(select(lab.c.id, lab.c.message_count, lab.c.unread_count))).all()
    copies = Counter((owner, subject) for _id, owner, subject in rows if subject.startswith("stress "))
    expected: Counter[tuple[int, str]] = Counter()
    for sender, recipient, subject in tally.sent:
        expected[(sender, subject)] += 1
        expected[(recipient, subject)] += 1
    lost = sum((expected - copies).values())
    duplicated = sum((copies - expected).values())
    present = {r[0] for r in rows}
    vanished = len(seeded - present - tally.destroyed)
    wrong_folders = sum(1 for fid, t, u in folders if folder_counts.get(fid, (0, 0)) != (t, u))
    wrong_labels = sum(1 for lid, t, u in labels if label_counts.get(lid, (0, 0)) != (t, u))
    return {
        "sends": len(tally.sent),
        "lost": lost,
        "duplicated": duplicated,
        "seeded_vanished": vanished,
        "wrong_folder_counters": wrong_folders,
        "wrong_label_counters": wrong_labels,
        "folders_checked": len(folders),
        "labels_checked": len(labels),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


async def run_one(url: str, clients: int, seconds: float, workdir: Path) -> dict[str, Any]:
    db = Database(url)
    await upgrade(db)
    boxes = await seed(db)
    per_client_own = [await add_own(db, boxes[n % USERS]) for n in range(clients)]
    seeded: set[int] = {int(i) for b in boxes for i in b.shared} | {int(i) for x in per_client_own for i in x}
    port = free_port()
    env = {
        **os.environ,
        "MAILGATE_DATABASE_URL": url,
        "MAILGATE_VAR_DIR": str(workdir / "var"),
        "MAILGATE_SECRET_KEY": "stress",
        "MAILGATE_DEMO_DATA": "0",
        "MAILGATE_MIGRATE_ON_START": "0",
        "MAILGATE_GRAPHIQL": "0",
        "MAILGATE_HOST": "127.0.0.1",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    tally = Tally()
    try:
        limits = httpx.Limits(max_connections=clients + 5)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as http:
            for _ in range(200):
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            tokens = []
            for n in range(clients):
                login = {"l": f"stress{n % USERS}", "p": PASSWORD}
                answer = await http.post("/graphql", json={"query": LOGIN, "variables": login})
                tokens.append(answer.json()["data"]["login"]["accessToken"])
            started = time.monotonic()
            until = started + seconds
            await asyncio.gather(
                *(
                    client_loop(
                        http,
                        tokens[n],
                        boxes[n % USERS],
                        [b for b in boxes if b is not boxes[n % USERS]],
                        per_client_own[n],
                        until,
                        tally,
                    )
                    for n in range(clients)
                )
            )
            elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = await check(db, boxes, tally, seeded)
    await db.dispose()
    result.update(
        {
            "requests": len(tally.latencies),
            "requests_per_s": round(len(tally.latencies) / elapsed, 1),
            "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
            "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
            "errors_by_code": dict(tally.codes),
            "http_5xx": sum(n for s, n in tally.statuses.items() if s >= 500),
        }
    )
    return result


async def with_postgres(clients: int, seconds: float, workdir: Path) -> dict[str, Any]:
    admin = create_async_engine(async_url(postgres_admin_url()), isolation_level="AUTOCOMMIT")
    name = f"mailgate_stress_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(async_url(postgres_admin_url())).set(database=name).render_as_string(hide_password=False)
        return await run_one(url, clients, seconds, workdir)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main(clients: int, seconds: float, databases: list[str]) -> int:
    failed = False
    for name in databases:
        with tempfile.TemporaryDirectory(prefix="mailgate-stress-") as tmp:
            workdir = Path(tmp)
            print(f"{name}: {clients} clients for {seconds:.0f} s ...", flush=True)
            if name == "sqlite":
                result = await run_one(f"sqlite+aiosqlite:///{workdir / 'stress.db'}", clients, seconds, workdir)
            else:
                result = await with_postgres(clients, seconds, workdir)
            for key, value in result.items():
                print(f"  {key}: {value}")
            bad = (
                result["http_5xx"]
                or set(result["errors_by_code"]) - {"NOT_FOUND"}
                or result["lost"]
                or result["duplicated"]
                or result["seeded_vanished"]
                or result["wrong_folder_counters"]
                or result["wrong_label_counters"]
            )
            if bad:
                failed = True
                log = (workdir / "server.log").read_text()[-3000:]
                print(f"  FAILED; the end of the server's log:\n{log}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("STRESS_CLIENTS", 30)))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("STRESS_SECONDS", 60)))
    parser.add_argument("--databases", default=os.environ.get("STRESS_DATABASES", "sqlite,postgresql"))
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.clients, args.seconds, args.databases.split(","))))
