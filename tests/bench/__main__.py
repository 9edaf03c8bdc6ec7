"""`make bench`: mailgate measured on PostgreSQL, at scale, as it is served in production.

    make bench                              # everything, ~10 min: 200k messages + folders of 10k, 100k, 1M
    make bench BENCH_ARGS=--quick           # ~3 min: 20k messages + folders of 10k and 100k, shorter runs
    make bench BENCH_ARGS="--only queries,roundtrips"
    make bench BENCH_ARGS=--sqlite          # the in-process list page over the demo data on SQLite (no PostgreSQL)

PostgreSQL: MAILGATE_BENCH_DATABASE_URL (its database is DROPPED and recreated), else
postgresql://postgres@127.0.0.1:5432/mailgate_bench. The data (tests/bench/dataset.py) is the peer
rig's seed mapped into mailgate's tables by bulk SQL, through this checkout's migrations, with counters
checked against a recount. Then a real uvicorn process (tests/bench/server.py, production settings,
no access log) serves it and the bench drives:

  queries     list page, folder counts, message by id (tests/bench/queries, the rig's texts):
              wrk -t1 -c16 (or a Python closed loop without wrk): req/s, p50/p99, server CPU ms per request
  mixed       web-mail users: list, open, mark, move there and back, sometimes send
  sizes       the list page's p50 (one client) on folders of 10k, 100k and 1M messages
  roundtrips  round trips to PostgreSQL per request, counted by a proxy at the protocol level
  import      `mailgate import-mbox` of a generated mbox, on SQLite and on PostgreSQL

Timings are printed, never asserted: they depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.bench import dataset, drive, imports
from tests.bench.pgproxy import CountingProxy
from tests.bench.server import Server, tree_cpu, worker_rss_mb

SECTIONS = ("queries", "mixed", "sizes", "roundtrips", "import")
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/mailgate_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def request_sets(url: str, messages: int) -> dict[str, list[drive.Request]]:
    """The rig's variable sets: 50 Inboxes, 50 users' folders, 1,000 message ids with their owners' tokens."""
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        inboxes = await conn.fetch(
            "SELECT owner_id, id FROM folders WHERE role = 'INBOX' AND owner_id <= 50 ORDER BY owner_id"
        )
        rng = random.Random(42)
        ids = sorted({rng.randint(1, messages) for _ in range(1000)})
        owners = dict(await conn.fetch("SELECT id, owner_id FROM messages WHERE id = ANY($1::bigint[])", ids))
    finally:
        await conn.close()
    tok = dataset.token_of
    return {
        "list_page": [(tok(r["owner_id"]), drive.body("list_page", {"folderId": str(r["id"])})) for r in inboxes],
        "folder_counts": [(tok(u), drive.body("folder_counts")) for u in range(1, 51)],
        "message_by_id": [(tok(owners[i]), drive.body("message_by_id", {"id": str(i)})) for i in ids if i in owners],
    }


async def mail_users(url: str) -> list[drive.MailUser]:
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            """SELECT u.id, u.email, i.id AS inbox, w.id AS other FROM users u
               JOIN folders i ON i.owner_id = u.id AND i.role = 'INBOX'
               JOIN folders w ON w.owner_id = u.id AND w.role IS NULL AND w.parent_id = i.id
               WHERE u.id <= 50 ORDER BY u.id"""
        )
    finally:
        await conn.close()
    return [
        drive.MailUser(r["id"], dataset.token_of(r["id"]), r["inbox"], r["other"], rows[(n + 1) % len(rows)]["email"])
        for n, r in enumerate(rows)
    ]


async def big_folders(url: str) -> list[tuple[int, int]]:
    conn = await asyncpg.connect(dataset.asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT id, total_count FROM folders WHERE owner_id = 51 AND name LIKE 'Big %' ORDER BY total_count"
        )
    finally:
        await conn.close()
    return [(r["id"], r["total_count"]) for r in rows]


def line(label: str, text: str) -> None:
    print(f"  {label:<16} {text}", flush=True)


async def bench_queries(
    server: Server, sets: dict[str, list[drive.Request]], args: argparse.Namespace, work: Path
) -> None:
    driver = (
        f"wrk -t1 -c{args.conns}"
        if drive.have_wrk() and not args.python_driver
        else f"Python closed loop, {args.conns} clients"
    )
    print(f"\n== queries ({driver}, {args.duration} s each after a checked warm-up; one server process)")
    for name, requests in sets.items():
        warm = await drive.sequential(server.url, requests, min(len(requests), 30))
        if warm.errors:
            raise SystemExit(f"{name}: {warm.errors} bad answers in the warm-up")
        cpu0 = tree_cpu(server.pid)
        if drive.have_wrk() and not args.python_driver:
            result = await asyncio.to_thread(
                drive.run_wrk, server.url, requests, args.conns, args.duration, work / name
            )
        else:
            result = await drive.closed_loop(server.url, requests, args.conns, args.duration)
        cpu = tree_cpu(server.pid) - cpu0
        per = cpu / result.requests * 1000 if result.requests else float("nan")
        line(name, f"{drive.describe(result)}  server CPU {per:.2f} ms/request")


async def bench_mixed(server: Server, users: list[drive.MailUser], args: argparse.Namespace) -> None:
    print(
        f"\n== mixed web-mail load ({args.conns} Python clients, {args.duration} s;"
        " list, open, mark, move x2, send 1 in 5)"
    )
    cpu0 = tree_cpu(server.pid)
    results = await drive.mixed(server.url, users, args.conns, args.duration)
    cpu = tree_cpu(server.pid) - cpu0
    for op, r in results.items():
        extra = f"  server CPU {cpu / r.requests * 1000:.2f} ms/request" if op == "all" and r.requests else ""
        line(op, drive.describe(r) + extra)


async def bench_sizes(server: Server, url: str, n: int) -> None:
    folders = await big_folders(url)
    print(f"\n== list page p50 by folder size (one client, {n} requests each, user 51)")
    token = dataset.token_of(51)
    base = None
    for folder_id, total in folders:
        requests = [(token, drive.body("list_page", {"folderId": str(folder_id)}))]
        await drive.sequential(server.url, requests, 5)
        r = await drive.sequential(server.url, requests, n)
        base = base or r.p50_ms
        line(
            f"{total:,} msgs",
            f"p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms  ({r.p50_ms / base:.2f}x the smallest)  errors {r.errors}",
        )


async def bench_roundtrips(
    url: str, sets: dict[str, list[drive.Request]], users: list[drive.MailUser], work: Path
) -> None:
    print(
        "\n== round trips to PostgreSQL per request (protocol level: ReadyForQuery messages;"
        " 20 requests each, one at a time)"
    )
    u = make_url(url)
    with CountingProxy(u.host or "127.0.0.1", u.port or 5432) as proxy:
        proxied = u.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with Server(proxied, free_port(), 1, work / "var", work / "roundtrips.log") as server:
            for name, requests in sets.items():
                await drive.sequential(server.url, requests, 5)
                await asyncio.sleep(0.2)
                c0 = proxy.snapshot()
                r = await drive.sequential(server.url, requests, 20)
                await asyncio.sleep(0.3)
                d = proxy.snapshot() - c0
                line(
                    name,
                    f"{d['round_trips'] / 20:5.1f} round trips/request  (client sent Query {d['Q']}, Parse {d['P']},"
                    f" Bind {d['B']}, Execute {d['E']}, Sync {d['S']}; new connections {d['connections']};"
                    f" errors {r.errors})",
                )
            import httpx

            async with httpx.AsyncClient(timeout=60) as http:
                rng = random.Random(3)
                for op in drive.MIX_OPS:
                    counts: list[int] = []

                    async def timed(kind: str, call, op=op, counts=counts):  # type: ignore[no-untyped-def]
                        c0 = proxy.snapshot()["round_trips"]
                        result = await call
                        await asyncio.sleep(0.05)
                        if kind == op:
                            counts.append(proxy.snapshot()["round_trips"] - c0)
                        return result

                    for i in range(10 if op != "send" else 40):
                        await drive.mix_round(http, server.url, users[i % len(users)], rng, timed)
                    if counts:
                        line(
                            f"mixed: {op}",
                            f"{sum(counts) / len(counts):5.1f} round trips/request ({len(counts)} requests)",
                        )


def bench_import(url: str, count: int, work: Path) -> None:
    print(f"\n== mailgate import-mbox ({count} messages, ~30% with a 2 KB attachment, 1 in 5 a reply)")
    mbox = imports.make_mbox(work / "bench.mbox", count)
    sqlite = f"sqlite+aiosqlite:///{work / 'import.db'}"
    pg = make_url(url).set(database=f"{make_url(url).database}_import").render_as_string(hide_password=False)
    asyncio.run(dataset.recreate(pg))
    try:
        for label, target in (("SQLite", sqlite), ("PostgreSQL", pg)):
            r = imports.time_import(target, mbox, count, work / "var", "importer")
            line(
                label,
                f"{r['per_s']:7.0f} messages/s ({r['wall_s']:.1f} s); without the command's start-up"
                f" ({r['startup_s']:.1f} s): {r['per_s_running']:.0f}/s, {r['per_cpu_s_running']:.0f} per CPU second",
            )
    finally:
        asyncio.run(dataset.drop(pg))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller data (20k + 10k/100k folders), 5 s runs")
    parser.add_argument(
        "--sqlite", action="store_true", help="only the in-process SQLite list page (tests/bench/sqlite_quick.py)"
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections, of {','.join(SECTIONS)}")
    parser.add_argument("--messages", type=int, help="messages of the 50 users (default 200000, quick 20000)")
    parser.add_argument("--big", help="big folder sizes (default 10000,100000,1000000; quick 10000,100000)")
    parser.add_argument("--duration", type=int, help="seconds per measured run (default 20, quick 5)")
    parser.add_argument("--conns", type=int, default=16)
    parser.add_argument("--import-messages", type=int, help="messages in the mbox (default 5000, quick 2000)")
    parser.add_argument(
        "--python-driver", action="store_true", help="the Python closed loop even when wrk is installed"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the database at the end")
    args = parser.parse_args()
    if args.sqlite:
        from tests.bench import sqlite_quick

        sqlite_quick.main([])
        return
    args.messages = args.messages or (20_000 if args.quick else 200_000)
    args.big = args.big or ("10000,100000" if args.quick else "10000,100000,1000000")
    args.duration = args.duration or (5 if args.quick else 20)
    args.import_messages = args.import_messages or (2000 if args.quick else 5000)
    sections = set(args.only.split(","))
    url = os.environ.get("MAILGATE_BENCH_DATABASE_URL", DEFAULT_URL)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mailgate-bench-") as tmp:
        work = Path(tmp)
        try:
            run(url, args, sections, work)
        finally:
            if not args.keep_db:
                asyncio.run(dataset.drop(url))
    print(f"\nbench done in {time.perf_counter() - started:.0f} s")


def run(url: str, args: argparse.Namespace, sections: set[str], work: Path) -> None:
    served = sections & {"queries", "mixed", "sizes", "roundtrips"}
    if served:
        big = [int(s) for s in args.big.split(",") if s] if "sizes" in sections else []
        print(
            f"== dataset: {args.messages:,} messages of 50 users, big folders {big or 'none'},"
            f" in {make_url(url).database}"
        )
        asyncio.run(dataset.load(url, messages=args.messages, big_sizes=big))
        sets = asyncio.run(request_sets(url, args.messages))
        users = asyncio.run(mail_users(url))

        async def served_sections() -> None:
            with Server(url, free_port(), 1, work / "var", work / "server.log") as server:
                if "queries" in sections:
                    await bench_queries(server, sets, args, work)
                if "sizes" in sections:
                    await bench_sizes(server, url, 50 if args.quick else 100)
                if "mixed" in sections:
                    await bench_mixed(server, users, args)
                rss = ", ".join(f"{mb:.0f} MB" for mb in worker_rss_mb(server.pid))
                print(f"\n  server RSS after the runs: {rss}")
            if "roundtrips" in sections:
                await bench_roundtrips(url, sets, users, work)

        asyncio.run(served_sections())
    if "import" in sections:
        bench_import(url, args.import_messages, work)


if __name__ == "__main__":
    main()
