"""mailgate composed with another subgraph behind a real Apollo Gateway.

Three processes on 127.0.0.1: mailgate under uvicorn (demo data, a temporary SQLite
file), a small CRM subgraph (tests/federation/crm_subgraph.mjs) whose ``Deal.mailThread``
references mailgate's ``MailThread`` and which adds ``MailThread.deals``, and an Apollo
Gateway (tests/federation/gateway.mjs) over a supergraph composed with @apollo/composition
from both subgraphs' ``_service { sdl }``, forwarding the client's Authorization header to
mailgate. The client only ever talks to the gateway.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.engine import Database
from resolvers.users import user_by_login
from tests.utils.factories import deliver, make_thread
from tests.utils.servers import ServerProcess, Servers, clean_env, mailgate_process

pytestmark = [pytest.mark.slow]

PASSWORD = "TestPassword"
#: A thread of user_test's alone (the demo's threads are shared by both demo users).
PRIVATE_THREAD = "Сделка: серверы для филиала"
#: A demo thread that user_test and filip_test both follow.
SHARED_THREAD = "Договор поставки № 17/25"

#: Deals of the CRM: (id, title, which thread) — the thread ids are known only at test time.
DEALS: tuple[tuple[str, str, str | None], ...] = (
    ("deal-1", "Серверы для филиала", "private"),
    ("deal-2", "Поставка по договору 17/25", "shared"),
    ("deal-3", "Сервисный контракт к договору 17/25", "shared"),
    ("deal-4", "Холодный лид", None),
)

#: mailgate's own answer: the demo thread's id and its unread count for user_test.
SHARED_LOOKUP = """
query($n: String!) { mailThreads(filter: {nameLike: $n}) { nodes { id name messageNeedactionCounter } } }
"""

#: Startup deadlines, in seconds (mailgate loads the demo data before it answers /health).
LISTEN_TIMEOUT = 30
MAILGATE_TIMEOUT = 90
NODE_TIMEOUT = 30


@dataclass(frozen=True, slots=True)
class Federation:
    gateway: str
    mailgate: str
    threads: dict[str, str]
    shared_needaction: int
    supergraph: str

    def thread_of(self, deal_title: str) -> str | None:
        kind = next(kind for _, title, kind in DEALS if title == deal_title)
        return self.threads[kind] if kind else None

    def deal_titles(self, thread_id: str) -> list[str]:
        return [title for _, title, kind in DEALS if kind and self.threads[kind] == thread_id]


def post(url: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=20.0)
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def login(url: str, user: str) -> str:
    data = data_of(
        post(
            url,
            "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }",
            {"l": user, "p": PASSWORD},
        )
    )
    token: str = data["login"]["accessToken"]
    return token


async def _seed_private_thread(database_url: str) -> str:
    """A thread only user_test follows, with two unread messages of theirs in it."""
    db = Database(database_url)
    try:
        async with db.read() as session:
            user = await user_by_login(session, "user_test")
        assert user is not None, "the demo data has no user_test"
        thread = await make_thread(db, user, PRIVATE_THREAD)
        for subject in ("Коммерческое предложение", "Уточнение по срокам"):
            await deliver(db, user, subject=subject, thread_id=thread)
        return thread
    finally:
        await db.dispose()


def _node() -> str:
    node = shutil.which("node")
    assert node is not None  # federation_dir skips without it
    return node


@pytest.fixture(scope="module")
def federation(federation_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    tmp = tmp_path_factory.mktemp("federation")
    database_url = f"sqlite+aiosqlite:///{tmp / 'mailgate.db'}"
    deals_file = tmp / "deals.json"
    supergraph_file = tmp / "supergraph.graphql"
    with Servers() as servers:
        mailgate = servers.start(
            mailgate_process(
                {
                    "MAILGATE_DATABASE_URL": database_url,
                    "MAILGATE_VAR_DIR": str(tmp / "var"),
                    "MAILGATE_SECRET_KEY": "federation-test-secret",
                    "MAILGATE_DEMO_DATA": "1",
                    "MAILGATE_GRAPHIQL": "0",
                },
                tmp / "mailgate.log",
            )
        )
        # The CRM starts while mailgate loads its demo data; it reads deals.json per request.
        crm = servers.start(
            ServerProcess(
                "crm",
                [_node(), "crm_subgraph.mjs"],
                env=clean_env(CRM_DEALS_FILE=str(deals_file), NODE_ENV="production"),
                cwd=federation_dir,
                log=tmp / "crm.log",
            )
        )
        crm.wait_listening(NODE_TIMEOUT)
        crm.wait_http("/", NODE_TIMEOUT, method="POST", json={"query": "{ __typename }"})
        mailgate.wait_listening(LISTEN_TIMEOUT)
        mailgate.wait_http("/health", MAILGATE_TIMEOUT)
        mailgate_url = f"{mailgate.url}/graphql"

        # mailgate's own answers: the ids of the threads the deals are about.
        private = asyncio.run(_seed_private_thread(database_url))
        token = login(mailgate_url, "user_test")
        found = data_of(post(mailgate_url, SHARED_LOOKUP, {"n": SHARED_THREAD}, token))["mailThreads"]["nodes"]
        assert [n["name"] for n in found] == [SHARED_THREAD], found
        threads = {"private": private, "shared": found[0]["id"]}
        deals_file.write_text(
            json.dumps(
                [{"id": i, "title": t, "mailThreadId": threads[k] if k else None} for i, t, k in DEALS],
                ensure_ascii=False,
            )
        )

        gateway = servers.start(
            ServerProcess(
                "gateway",
                [_node(), "gateway.mjs"],
                env=clean_env(
                    SUBGRAPHS=json.dumps({"mailgate": mailgate_url, "crm": f"{crm.url}/"}),
                    FORWARD_AUTH="mailgate",
                    SUPERGRAPH_OUT=str(supergraph_file),
                    NODE_ENV="production",
                ),
                cwd=federation_dir,
                log=tmp / "gateway.log",
            )
        )
        gateway.wait_listening(NODE_TIMEOUT)
        gateway.wait_http("/", NODE_TIMEOUT, method="POST", json={"query": "{ __typename }"})
        yield Federation(
            gateway=f"{gateway.url}/",
            mailgate=mailgate_url,
            threads=threads,
            shared_needaction=found[0]["messageNeedactionCounter"],
            supergraph=supergraph_file.read_text(),
        )


CROSSING = """
{
  me { login }
  deals {
    title
    mailThread { id name messageNeedactionCounter deals { title } }
  }
  mailThreads(first: 50) { nodes { id name deals { title } } }
}
"""


def test_the_supergraph_joins_mailthread_of_both_subgraphs(federation: Federation) -> None:
    supergraph = federation.supergraph
    assert 'join__graph(name: "mailgate"' in supergraph
    assert 'join__graph(name: "crm"' in supergraph
    thread_type = supergraph.split("type MailThread", 1)[1].split("}", 1)[0]
    assert '@join__type(graph: CRM, key: "id")' in thread_type
    assert '@join__type(graph: MAILGATE, key: "id")' in thread_type


def test_one_query_crosses_both_subgraphs_with_the_callers_token(federation: Federation) -> None:
    token = login(federation.gateway, "user_test")

    data = data_of(post(federation.gateway, CROSSING, token=token))

    assert data["me"] == {"login": "user_test"}
    names = {"private": PRIVATE_THREAD, "shared": SHARED_THREAD}
    needaction = {"private": 2, "shared": federation.shared_needaction}
    expected_deals = []
    for _, title, kind in DEALS:
        thread = None
        if kind:
            thread_id = federation.threads[kind]
            thread = {
                "id": thread_id,
                "name": names[kind],
                "messageNeedactionCounter": needaction[kind],
                "deals": [{"title": t} for t in federation.deal_titles(thread_id)],
            }
        expected_deals.append({"title": title, "mailThread": thread})
    assert data["deals"] == expected_deals

    nodes = data["mailThreads"]["nodes"]
    assert set(federation.threads.values()) <= {n["id"] for n in nodes}
    for node in nodes:  # threads without deals answer [] from the CRM
        assert node["deals"] == [{"title": t} for t in federation.deal_titles(node["id"])], node


@pytest.mark.parametrize("token", [None, "not-a-valid-token"], ids=["no-token", "bad-token"])
def test_without_a_valid_token_mailgate_answers_unauthenticated_or_null(
    federation: Federation, token: str | None
) -> None:
    data = data_of(post(federation.gateway, "{ me { login } deals { title mailThread { id name } } }", token=token))
    assert data["me"] is None
    assert data["deals"] == [{"title": title, "mailThread": None} for _, title, _ in DEALS]

    body = post(federation.gateway, "{ mailThreads { nodes { name deals { title } } } }", token=token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_another_users_token_cannot_read_the_thread_through_a_deal(federation: Federation) -> None:
    token = login(federation.gateway, "filip_test")

    data = data_of(post(federation.gateway, "{ me { login } deals { title mailThread { id name } } }", token=token))

    assert data["me"] == {"login": "filip_test"}
    shared = {"id": federation.threads["shared"], "name": SHARED_THREAD}
    assert data["deals"] == [
        {"title": title, "mailThread": shared if kind == "shared" else None} for _, title, kind in DEALS
    ]
    threads = data_of(post(federation.gateway, "{ mailThreads(first: 50) { nodes { id } } }", token=token))
    assert federation.threads["private"] not in {n["id"] for n in threads["mailThreads"]["nodes"]}
