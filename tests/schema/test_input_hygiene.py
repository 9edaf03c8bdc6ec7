"""Hostile inputs from issue 10 get the answer the contract names, never a 500.

Each test is one reproducer: ids out of range or spelled in other scripts' digits,
control characters in text, header injection, deep or non-UTF-8 JSON, LIKE wildcards.
"""

from __future__ import annotations

import httpx
import pytest

from db.engine import Database
from tests.utils.factories import deliver, make_user
from tests.utils.graphql import Client

SEND = """mutation($s: String) {
  sendMessage(input: {to: ["filip_test@devr7.ru"], subject: $s, body: "hi"}) { id } }"""
SENT_COUNT = "{ folders { role totalCount } }"


async def _me(db: Database, client: Client) -> Client:
    await make_user(db, "user_test")
    return await client.login("user_test")


@pytest.mark.parametrize("ident", ["2147483648", "99999999999999999999999", "²", "١٢", "-1", "1e3", " 7 x"])
async def test_an_id_that_names_no_row_is_not_found(db: Database, client: Client, ident: str) -> None:
    me = await _me(db, client)
    for field in ("message", "folder", "attachment"):
        body = await me.execute(f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", {"id": ident})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"], (field, body)
    assert await me.error_codes('mutation { markAsRead(ids: ["2147483648"]) { count } }') == ["NOT_FOUND"]


async def test_a_state_string_in_other_digits_cannot_be_calculated_from(db: Database, client: Client) -> None:
    me = await _me(db, client)
    assert await me.error_codes('{ messageChanges(sinceState: "²") { newState } }') == ["BAD_USER_INPUT"]


async def test_control_characters_in_text_are_refused_naming_the_field(db: Database, client: Client) -> None:
    me = await _me(db, client)
    literal = await me.execute('{ messages(filter: {subject: "a\\u0000b"}) { totalCount } }')
    assert literal["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter.subject"}
    variable = await me.execute(
        "query($f: MessageFilter) { messages(filter: $f) { totalCount } }", {"f": {"from": "x\x00"}}
    )
    assert variable["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "$f.from"}
    for query, variables in (
        ("query($id: ID!) { mailThread(id: $id) { id } }", {"id": "t\x00"}),
        ("mutation($n: String!) { createLabel(name: $n) { id } }", {"n": "bell\x07"}),
        ("mutation($s: String) { saveDraft(input: {subject: $s}) { id } }", {"s": "esc\x1b[0m"}),
    ):
        assert await me.error_codes(query, variables) == ["BAD_USER_INPUT"], query
    # Tab, CR and LF are text.
    assert (await me.data('{ messages(filter: {body: "a\\tb\\r\\nc"}) { totalCount } }'))["messages"]["totalCount"] == 0


async def test_a_subject_with_a_line_break_is_refused_and_nothing_is_sent(db: Database, client: Client) -> None:
    me = await _me(db, client)
    await make_user(db, "filip_test")
    body = await me.execute(SEND, {"s": "Hi\r\nBcc: victim@example.org"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "subject"}
    folders = (await me.data(SENT_COUNT))["folders"]
    assert next(f["totalCount"] for f in folders if f["role"] == "SENT") == 0


async def test_deeply_nested_json_variables_are_refused(http: httpx.AsyncClient) -> None:
    deep = "[" * 5000 + "]" * 5000
    body = '{"query": "query($v: JSON) { __typename }", "variables": {"v": ' + deep + "}}"
    response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    brackets_in_a_string = '{"query": "{ __typename }", "variables": {"s": "' + "[" * 5000 + '"}}'
    fine = await http.post("/graphql", content=brackets_in_a_string, headers={"content-type": "application/json"})
    assert fine.status_code == 200, fine.text


async def test_deeply_nested_json_in_a_get_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ __typename }", "variables": "[" * 200 + "]" * 200})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_body_that_is_not_utf8_is_a_bad_request(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"\xff\xfe\x00", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_json_body_over_its_limit_is_too_large(http: httpx.AsyncClient) -> None:
    body = '{"query": "{ __typename }", "variables": {"s": "' + "x" * (9 * 1024 * 1024) + '"}}'
    response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("wildcard", ["%", "_"])
async def test_like_wildcards_match_only_themselves(db: Database, client: Client, wildcard: str) -> None:
    user = await make_user(db, "user_test")
    await deliver(db, user, subject="Plain subject", body="no wildcard here")
    await deliver(db, user, subject=f"Discount 50{wildcard} today", body="x")
    me = await client.login("user_test")
    query = "query($f: MessageFilter) { messages(filter: $f) { nodes { subject } } }"
    found = (await me.data(query, {"f": {"subject": wildcard}}))["messages"]["nodes"]
    assert [n["subject"] for n in found] == [f"Discount 50{wildcard} today"]
    assert (await me.data(query, {"f": {"body": wildcard}}))["messages"]["nodes"] == []


async def test_css_that_runs_or_fetches_is_removed_from_html(db: Database, client: Client) -> None:
    me = await _me(db, client)
    html = (
        '<p style="color: expression(alert(1))">a</p>'
        '<p style="background-color: url(javascript:alert(2)); color: red">b</p>'
        '<p style="width: e\\78pression(alert(3))">c</p>'
        '<p style="color: exp/**/ression(alert(4)); margin: 0">d</p>'
        '<p style="color: rgb(1, 2, 3)">e</p>'
    )
    draft = await me.data("mutation($h: String) { saveDraft(input: {htmlBody: $h}) { htmlBody } }", {"h": html})
    kept = draft["saveDraft"]["htmlBody"]
    for gone in ("expression", "pression", "url(", "javascript", "alert"):
        assert gone not in kept.lower(), kept
    assert 'style="color:red"' in kept and 'style="margin:0"' in kept and "rgb(1, 2, 3)" in kept
