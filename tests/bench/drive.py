"""Load drivers: wrk (when installed, as the peer rig runs it) or a Python closed loop, and the web-mail mix."""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
QUERIES = {p.stem: p.read_text() for p in sorted((HERE / "queries").glob("*.graphql"))}

#: (bearer token, JSON body) of one request.
Request = tuple[str, str]


@dataclass(slots=True)
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    p50_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def settle(self) -> Result:
        if self.latencies_ms:
            ordered = sorted(self.latencies_ms)
            self.p50_ms = percentile(ordered, 50)
            self.p99_ms = percentile(ordered, 99)
        return self


def percentile(ordered: list[float], p: float) -> float:
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def body(query: str, variables: dict[str, Any] | None = None) -> str:
    doc: dict[str, Any] = {"query": QUERIES[query]}
    if variables:
        doc["variables"] = variables
    return json.dumps(doc, separators=(",", ":"))


def bad(status: int, text: str) -> bool:
    return status != 200 or '"errors"' in text or '"data":null' in text


async def post(http: httpx.AsyncClient, url: str, token: str, payload: str) -> dict[str, Any]:
    """One request; raises with the answer when it is not a clean GraphQL result."""
    r = await http.post(
        url, content=payload, headers={"content-type": "application/json", "authorization": f"Bearer {token}"}
    )
    if bad(r.status_code, r.text):
        raise RuntimeError(f"bad answer {r.status_code}: {r.text[:300]}")
    data: dict[str, Any] = r.json()["data"]
    return data


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, requests: list[Request], conns: int, seconds: int, workdir: Path, check: bool = False) -> Result:
    """``wrk -t1 -c<conns> -d<seconds>s --latency`` with post_auth.lua over ``requests``."""
    workdir.mkdir(parents=True, exist_ok=True)
    lines = workdir / "bodies.tsv"
    lines.write_text("".join(f"{tok}\t{b}\n" for tok, b in requests))
    # --timeout 60s: a slow answer is latency, not an error (wrk's default gives up after 2 s).
    lua = str(HERE / "post_auth.lua")
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "60s", "--latency", "-s", lua, url, "--",
           str(lines)]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "CHECK": "1" if check else "0"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    m = re.search(r"^JSON (\{.*\})$", out, re.M)
    if not m:
        raise RuntimeError("no JSON summary in wrk output:\n" + out)
    r = json.loads(m.group(1))
    errors = r["socket_errors"] + r["non2xx"] + r["graphql_errors"]
    return Result(r["requests"], errors, r["duration_s"], [], r["p50_ms"], r["p99_ms"])


async def closed_loop(url: str, requests: list[Request], conns: int, seconds: float, seed: int = 1) -> Result:
    """``conns`` clients, each sending a random one of ``requests`` as soon as the last is answered."""
    result = Result()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:

        async def client(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            while time.perf_counter() < deadline:
                token, payload = rng.choice(requests)
                t = time.perf_counter()
                r = await http.post(
                    url,
                    content=payload,
                    headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
                )
                result.latencies_ms.append((time.perf_counter() - t) * 1000)
                result.requests += 1
                result.errors += bad(r.status_code, r.text)

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(conns)))
        result.seconds = time.perf_counter() - started
    return result.settle()


async def sequential(url: str, requests: list[Request], count: int) -> Result:
    """``count`` requests one after another (cycling over ``requests``): latency without queueing."""
    result = Result()
    async with httpx.AsyncClient(timeout=60) as http:
        started = time.perf_counter()
        for i in range(count):
            token, payload = requests[i % len(requests)]
            t = time.perf_counter()
            r = await http.post(
                url, content=payload, headers={"content-type": "application/json", "authorization": f"Bearer {token}"}
            )
            result.latencies_ms.append((time.perf_counter() - t) * 1000)
            result.requests += 1
            result.errors += bad(r.status_code, r.text)
        result.seconds = time.perf_counter() - started
    return result.settle()


# --- the web-mail mix: list, open, mark, move (there and back), and now and then send ---------------

MARK = "mutation($ids: [ID!]!, $r: Boolean!) { markAsRead(ids: $ids, wasRead: $r) { ok count } }"
MOVE = "mutation($ids: [ID!]!, $to: ID!) { moveMessages(ids: $ids, toFolderId: $to) { ok count } }"
SEND = (
    "mutation($to: [String!], $s: String, $b: String) {"
    " sendMessage(input: {to: $to, subject: $s, body: $b}) { id date folder { id } } }"
)
MIX_OPS = ("list", "open", "mark", "move", "send")


@dataclass(slots=True)
class MailUser:
    user_id: int
    token: str
    inbox: int
    other_folder: int
    peer_email: str


def _raw(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":"))


async def mix_round(
    http: httpx.AsyncClient,
    url: str,
    user: MailUser,
    rng: random.Random,
    timed: Callable[[str, Awaitable[Any]], Awaitable[Any]],
) -> None:
    """One user's round: list the Inbox, open a message, mark it, move it away and back, sometimes send."""
    page = await timed("list", post(http, url, user.token, body("list_page", {"folderId": str(user.inbox)})))
    nodes = page["messages"]["nodes"]
    if not nodes:
        return
    mid = rng.choice(nodes)["id"]
    await timed("open", post(http, url, user.token, body("message_by_id", {"id": mid})))
    await timed("mark", post(http, url, user.token, _raw(MARK, {"ids": [mid], "r": rng.random() < 0.5})))
    await timed("move", post(http, url, user.token, _raw(MOVE, {"ids": [mid], "to": str(user.other_folder)})))
    await timed("move", post(http, url, user.token, _raw(MOVE, {"ids": [mid], "to": str(user.inbox)})))
    if rng.random() < 0.2:
        variables = {"to": [user.peer_email], "s": f"Bench {rng.randint(1, 10**6)}", "b": "Load test message body"}
        await timed("send", post(http, url, user.token, _raw(SEND, variables)))


async def mixed(url: str, users: list[MailUser], conns: int, seconds: float) -> dict[str, Result]:
    """``conns`` clients, each a user doing ``mix_round`` in a loop; results per operation and "all"."""
    results = {op: Result() for op in (*MIX_OPS, "all")}
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)

    async def timed(op: str, call: Awaitable[Any]) -> Any:
        t = time.perf_counter()
        try:
            return await call
        except RuntimeError:
            results[op].errors += 1
            results["all"].errors += 1
            raise
        finally:
            ms = (time.perf_counter() - t) * 1000
            for key in (op, "all"):
                results[key].latencies_ms.append(ms)
                results[key].requests += 1

    async with httpx.AsyncClient(limits=limits, timeout=60) as http:

        async def client(n: int) -> None:
            rng = random.Random(7000 + n)
            user = users[n % len(users)]
            while time.perf_counter() < deadline:
                try:
                    await mix_round(http, url, user, rng, timed)
                except RuntimeError:
                    await asyncio.sleep(0.05)

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(conns)))
        elapsed = time.perf_counter() - started
    for r in results.values():
        r.seconds = elapsed
        r.settle()
    return results


def describe(r: Result) -> str:
    spread = f" (stdev {statistics.pstdev(r.latencies_ms):.1f})" if len(r.latencies_ms) > 1 else ""
    return f"{r.rps:8.1f} req/s  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms{spread}  errors {r.errors}"
