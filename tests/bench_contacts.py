"""`make bench` (second part): autocomplete over 10,000 contacts on SQLite.

Contacts are collected the way mail collects them (``resolvers.contacts.collect``),
then ``contacts(query, first: 10)`` is timed for prefixes of one to four letters,
Latin and Cyrillic, through the resolver (the SQL) and through the whole GraphQL
request. Timings are printed, never asserted. ``python -m tests.bench_contacts``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from app.main import create_app, make_services
from app.settings import Settings
from db.engine import Database
from db.migrate import upgrade
from db.models import ApiPermission
from db.types import utcnow
from resolvers.contacts import collect, search_contacts
from resolvers.users import create_user
from resolvers.viewer import Viewer

FIRST = ["Филипп", "Фёдор", "Анна", "Алексей", "Мария", "Иван", "Jérôme", "Anne", "Fil", "Олег", "Ольга", "Сергей"]
LAST = ["Тестов", "Иванов", "Петрова", "Сизый", "Écrivain", "Smith", "Кузнецов", "Попова", "Lefèvre", "Волков"]
QUERIES = ["ф", "фи", "фил", "фили", "ан", "ив", "jé", "sm", "ol", "сиз", "ал", "кузн", "lef", "zzz"]
FIND = "query($q: String) { contacts(query: $q, first: 10) { id name address timesWritten } }"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def bench(contacts: int, rounds: int) -> None:
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="mailgate-bench-contacts-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        await upgrade(db)
        async with db.write() as session:
            user = await create_user(
                session, login="user_test", name="Сизый", email="siz_test@devr7.ru", password="TestPassword"
            )
            for start in range(0, contacts, 500):
                pairs = [
                    (f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"person{i}.{rng.randrange(10**6)}@example{i % 50}.ru")
                    for i in range(start, min(contacts, start + 500))
                ]
                await collect(session, user.id, written=pairs[::3], received=pairs, when=utcnow())
        viewer = Viewer(user_id=user.id, permissions=ApiPermission.ALL)
        sql: list[float] = []
        for _ in range(rounds):
            for q in QUERIES:
                async with db.read() as session:
                    t = time.perf_counter()
                    await search_contacts(session, viewer, q, 10)
                    sql.append((time.perf_counter() - t) * 1000)

        settings = Settings(
            database_url=url,
            var_dir=Path(tmp) / "var",
            secret_key="bench",
            migrate_on_start=False,
            demo_data=False,
            _env_file=None,  # type: ignore[call-arg]
        )
        app = create_app(settings, make_services(settings, db))
        http_ms: list[float] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            login = await http.post(
                "/graphql",
                json={"query": 'mutation { login(login: "user_test", password: "TestPassword") { accessToken } }'},
            )
            headers = {"authorization": f"Bearer {login.json()['data']['login']['accessToken']}"}
            for _ in range(rounds):
                for q in QUERIES:
                    t = time.perf_counter()
                    response = await http.post("/graphql", json={"query": FIND, "variables": {"q": q}}, headers=headers)
                    http_ms.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200 and not response.json().get("errors")
        await db.dispose()
    print(f"contacts(query, first: 10) over {contacts} contacts, {len(sql)} lookups of {len(QUERIES)} prefixes")
    for label, ms in (("resolver (SQL)", sql), ("GraphQL request", http_ms)):
        print(
            f"  {label}: median {statistics.median(ms):.2f} ms, p95 {percentile(ms, 0.95):.2f}, "
            f"p99 {percentile(ms, 0.99):.2f}, max {max(ms):.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(bench(args.contacts, args.rounds))


if __name__ == "__main__":
    main()
