"""`make bench BENCH_ARGS=--sqlite`: the messages list page (50 with attachments) over the demo data on SQLite.

In process (ASGI, no network), no PostgreSQL needed. Not a test (pytest collects test_*.py
only): timings depend on the machine, so they are printed here instead of asserted. Run
alone with ``python -m tests.bench.sqlite_quick [--requests N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from app.demo import load_demo_data
from app.main import create_app, make_services
from app.settings import Settings
from db.engine import Database
from db.migrate import upgrade

LIST_PAGE = """
query Page($first: Int!) {
  messages(first: $first) {
    totalCount unreadCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id subject preview date size wasRead important hasAttachments eventInviteStatus
      from { name address } to { name address }
      folder { id name } labels { id name color } thread { id }
      attachments { id fileName mimeType size downloadUrl }
    }
  }
}
"""


async def bench(requests: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory(prefix="mailgate-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        await upgrade(db)
        started = time.perf_counter()
        await load_demo_data(db)
        print(f"demo data loaded in {time.perf_counter() - started:.1f} s")
        settings = Settings(
            database_url=url,
            var_dir=Path(tmp) / "var",
            secret_key="bench",
            migrate_on_start=False,
            demo_data=False,
            _env_file=None,  # type: ignore[call-arg]
        )
        app = create_app(settings, make_services(settings, db))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            login = await http.post(
                "/graphql",
                json={"query": 'mutation { login(login: "user_test", password: "TestPassword") { accessToken } }'},
            )
            token = login.json()["data"]["login"]["accessToken"]
            headers = {"authorization": f"Bearer {token}"}
            body = {"query": LIST_PAGE, "variables": {"first": 50}}

            async def one() -> float:
                t = time.perf_counter()
                response = await http.post("/graphql", json=body, headers=headers)
                elapsed = time.perf_counter() - t
                data = response.json()
                assert response.status_code == 200 and not data.get("errors"), data
                assert len(data["data"]["messages"]["nodes"]) == 50
                return elapsed

            for _ in range(warmup):
                await one()
            times = [await one() for _ in range(requests)]
        await db.dispose()
    ms = sorted(t * 1000 for t in times)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    print(f"messages(first: 50) with attachments, labels, folder, thread: {requests} requests")
    print(f"  mean {statistics.mean(ms):.1f} ms/request, median {statistics.median(ms):.1f}, p95 {p95:.1f}")
    print(f"  {1000 / statistics.mean(ms):.0f} requests/s in one process (in-process ASGI, no network)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    asyncio.run(bench(args.requests, args.warmup))


if __name__ == "__main__":
    main()
