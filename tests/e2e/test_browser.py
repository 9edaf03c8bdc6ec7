"""In a real browser (headless Chromium), with every host but loopback out of reach.

1. GraphiQL from mailgate itself: the page loads its assets from mailgate, a person signs in
   on the page, runs a query and sees their mail; the explorer plugin is there.
2. A web app on another origin (a second loopback port) signs in, sends a batch and opens a
   subscription through CORS; a page on an origin that is not listed cannot read answers.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.engine import Database
from db.migrate import upgrade
from tests.utils.browser import offline_chrome, requested_urls, wait_for
from tests.utils.factories import deliver, make_user
from tests.utils.servers import Servers, mailgate_process

pytestmark = pytest.mark.slow

APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>mail web app</title></head>
<body><pre id="out">working</pre>
<script>
const api = "%(api)s";
const out = document.getElementById("out");
const post = (body, token) => fetch(api + "/graphql", {
  method: "POST",
  headers: {"content-type": "application/json", ...(token ? {authorization: "Bearer " + token} : {})},
  body: JSON.stringify(body),
}).then((r) => r.json());

function firstEvent(token) {
  // graphql-transport-ws by hand: connection_init with the token, subscribe, the first event.
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(api.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    ws.onopen = () => ws.send(JSON.stringify({type: "connection_init", payload: {Authorization: "Bearer " + token}}));
    ws.onerror = () => reject(new Error("socket refused"));
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({id: "1", type: "subscribe", payload: {
          query: "subscription { mailboxEvents(sinceState: \\"0\\") { kind message { subject } } }"}}));
      } else if (msg.type === "next") {
        ws.close();
        resolve(msg.payload.data.mailboxEvents);
      } else if (msg.type === "error") {
        reject(new Error(JSON.stringify(msg.payload)));
      }
    };
  });
}

(async () => {
  try {
    const signIn = 'mutation { login(login: "user_test", password: "TestPassword") { accessToken } }';
    const login = await post({query: signIn});
    const token = login.data.login.accessToken;
    const list = "{ messages { totalCount nodes { subject } } }";
    const batch = await post([{query: "{ me { login } }"}, {query: list}], token);
    const event = await firstEvent(token);
    out.textContent = JSON.stringify({batch, event});
  } catch (error) {
    out.textContent = JSON.stringify({failed: String(error)});
  }
})();
</script></body></html>
"""


class _Page(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None:
        pass


def page_server() -> tuple[http.server.ThreadingHTTPServer, str]:
    """A static page server on its own loopback port: another origin than mailgate's."""
    handler = type("Page", (_Page,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


async def _prepare(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        user = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
        await deliver(db, user, subject="Договор поставки")
    finally:
        await db.dispose()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, str, Any, Any]]:
    """mailgate (CORS for the first page server) and two page servers: allowed and not."""
    allowed, allowed_origin = page_server()
    other, other_origin = page_server()
    url = f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}"
    asyncio.run(_prepare(url))
    env = {
        "MAILGATE_DATABASE_URL": url,
        "MAILGATE_VAR_DIR": str(tmp_path / "var"),
        "MAILGATE_SECRET_KEY": "browser-test-key",
        "MAILGATE_CORS_ORIGINS": allowed_origin,
    }
    with Servers() as servers:
        mailgate = servers.start(mailgate_process(env, tmp_path / "mailgate.log"))
        api = mailgate.wait_listening(60)
        mailgate.wait_http("/healthz", 60)
        try:
            yield api, allowed_origin, other_origin, allowed, other
        finally:
            for page in (allowed, other):
                page.shutdown()
                page.server_close()


def loopback_only(urls: list[str]) -> list[str]:
    """The URLs that went anywhere but this machine's loopback."""
    allowed = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "about:", "chrome:", "blob:")
    return [u for u in urls if not u.startswith(allowed)]


def test_graphiql_works_offline_signs_in_and_runs_a_query(served: Any, tmp_path: Path) -> None:
    api, *_ = served
    with offline_chrome() as driver:
        driver.get(f"{api}/graphql")
        login = wait_for(lambda: driver.find_element("id", "login"), what="the sign-in form", driver=driver)
        wait_for(lambda: driver.find_elements("css selector", ".graphiql-query-editor .CodeMirror"), driver=driver)
        login.send_keys("user_test")
        driver.find_element("id", "password").send_keys("TestPassword")
        driver.find_element("id", "signin-button").click()
        signed = wait_for(lambda: driver.find_element("id", "signed-in"), what="signing in", driver=driver)
        assert "user_test" in signed.text

        # The page's example query, as a newcomer runs it first.
        example = driver.execute_script(
            "return document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
        )
        assert "query Mailbox" in example
        driver.find_element("css selector", ".graphiql-execute-button").click()

        def answer() -> dict[str, Any] | None:
            text = driver.execute_script(
                "const cm = document.querySelector('.graphiql-response .CodeMirror');"
                " return cm && cm.CodeMirror.getValue()"
            )
            return json.loads(text) if text and text.strip().startswith("{") else None

        result = wait_for(answer, what="the query's answer", driver=driver)
        assert "errors" not in result, result
        assert result["data"]["me"] == {
            "login": "user_test",
            "name": "Сизый Федор Петрович",
            "email": "siz_test@devr7.ru",
        }
        assert [m["subject"] for m in result["data"]["messages"]["nodes"]] == ["Договор поставки"]
        inbox = next(f for f in result["data"]["folders"] if f["role"] == "INBOX")
        assert (inbox["totalCount"], inbox["unreadCount"]) == (1, 1)
        explorer = driver.find_elements("css selector", '[aria-label="Show GraphiQL Explorer"]')
        assert explorer, "the explorer plugin's button is in the sidebar"
        driver.save_screenshot(str(tmp_path / "graphiql.png"))
        urls = requested_urls(driver)
    assert any(u.startswith(f"{api}/graphiql-assets/graphiql.min.js") for u in urls)
    assert loopback_only(urls) == []


def test_a_web_app_on_another_origin_calls_the_api_through_cors(served: Any) -> None:
    api, allowed_origin, other_origin, allowed, other = served
    allowed.RequestHandlerClass.body = (APP_PAGE % {"api": api}).encode()
    other.RequestHandlerClass.body = (APP_PAGE % {"api": api}).encode()
    with offline_chrome() as driver:

        def outcome() -> dict[str, Any] | None:
            text = driver.find_element("id", "out").text
            return None if text == "working" else json.loads(text)

        driver.get(allowed_origin)
        done = wait_for(outcome, what="the web app's calls", driver=driver)
        assert done == {
            "batch": [
                {"data": {"me": {"login": "user_test"}}},
                {"data": {"messages": {"totalCount": 1, "nodes": [{"subject": "Договор поставки"}]}}},
            ],
            "event": {"kind": "MESSAGE_CREATED", "message": {"subject": "Договор поставки"}},
        }
        driver.get(other_origin)
        refused = wait_for(outcome, what="the refused calls", driver=driver)
        assert refused == {"failed": "TypeError: Failed to fetch"}
        assert loopback_only(requested_urls(driver)) == []
