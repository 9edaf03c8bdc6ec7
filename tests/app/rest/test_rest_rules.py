"""The rules both REST edges share with GraphQL: isolation, permissions, limits, errors as statuses."""

from __future__ import annotations

import httpx
import pytest

from app.rest.common import strip_trailing_commas
from db.engine import Database
from tests.schema.test_auth_tokens import create as create_api_token
from tests.utils.factories import deliver, folder_id, make_thread, make_user
from tests.utils.graphql import Client


async def test_r7_someone_elses_message_is_answered_like_a_missing_one(db: Database, http: httpx.AsyncClient) -> None:
    me = await make_user(db, "user_test")
    filip = await make_user(db, "filip_test")
    mine = await deliver(db, me, subject="mine", files=[("a.txt", "text/plain", b"a")])
    theirs = await deliver(db, filip, subject="theirs", files=[("a.txt", "text/plain", b"b")])
    token = str((await Client(http).login("user_test")).token)
    headers = {"Authorization": token}
    inbox = await folder_id(db, me, "INBOX")

    answers = []
    for ident in (theirs, 987654321):
        reply = await http.post(
            "/api/v1/email/MarkAsRead", json={"Ids": [mine, ident], "WasRead": True}, headers=headers
        )
        answers.append((reply.status_code, reply.json()["Error"]["Code"], reply.json()["StatusCode"]))
        download = await http.get(f"/api/v1/email/Attachments?Id={ident}&FileName=a.txt", headers=headers)
        answers.append((download.status_code, download.json()["Error"]["Code"], download.json()["Status"]))
    assert answers == [(404, "NOT_FOUND", 404)] * 4
    # All or nothing: my own message did not change either.
    listed = await http.post("/api/v1/email/Messages", json={"folderId": inbox}, headers=headers)
    assert [(i["Id"], i["WasRead"]) for i in listed.json()["Items"]] == [(mine, False)]
    # A folder of someone else's is not found either; my message is not in their folder.
    filip_inbox = await folder_id(db, filip, "INBOX")
    for body in ({"folderId": filip_inbox}, {"folderId": 987654321}):
        assert (await http.post("/api/v1/email/Messages", json=body, headers=headers)).status_code == 404
    wrong_folder = await http.get(
        f"/api/v1/email/Attachments?folderId={filip_inbox}&Id={mine}&FileName=a.txt", headers=headers
    )
    assert wrong_folder.status_code == 404


async def test_r7_tokens_permissions_and_limits(db: Database, http: httpx.AsyncClient) -> None:
    me = await make_user(db, "user_test")
    message = await deliver(db, me, subject="one")
    session = await Client(http).login("user_test")
    reader = (await create_api_token(session, "reader", ["READ"]))["token"]

    assert (await http.post("/api/v1/email/Messages", json={})).status_code == 401
    stale = await http.post("/api/v1/email/Messages", json={}, headers={"Authorization": "not-a-token"})
    assert (stale.status_code, stale.json()["Error"]["Code"]) == (401, "UNAUTHENTICATED")
    assert (await http.post("/api/v1/email/Messages", json={}, headers={"Authorization": reader})).status_code == 200
    refused = await http.post("/api/v1/email/MarkAsRead", json={"Ids": [message]}, headers={"Authorization": reader})
    assert (refused.status_code, refused.json()["Error"]["Code"]) == (403, "FORBIDDEN")

    headers = {"Authorization": f"Bearer {session.token}"}
    for body in (
        {"size": 0},
        {"size": 201},
        {"offset": -1},
        {"orderField": "Nope"},
        {"sortOrder": 7},
        {"SearchContext": {"StartDate": "вчера"}},
        {"SearchContext": {"StartDate": "2025-06-20T00:00:00Z", "EndDate": "2025-06-19T00:00:00Z"}},
        {"folderId": "двадцать"},
    ):
        reply = await http.post("/api/v1/email/Messages", json=body, headers=headers)
        assert (reply.status_code, reply.json()["Error"]["Code"]) == (400, "BAD_USER_INPUT"), body
    not_json = await http.post("/api/v1/email/Messages", content=b"{", headers=headers)
    assert not_json.status_code == 400
    empty = await http.post(
        "/api/v1/email/Messages", json={"SearchContext": {"StartDate": "", "EndDate": ""}}, headers=headers
    )
    assert empty.json()["Count"] == 1
    nobody = await http.post("/api/v1/email/Send", json={"Subject": "x", "To": []}, headers=headers)
    assert (nobody.status_code, nobody.json()["Error"]["Code"]) == (400, "BAD_USER_INPUT")


async def test_mail_thread_isolation_and_permissions(db: Database, http: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    filip = await make_user(db, "filip_test")
    theirs = await make_thread(db, filip, "Чужой", key="their-thread", followers=(filip.id,))
    session = await Client(http).login("user_test")
    token = str(session.token)
    reader = (await create_api_token(session, "reader", ["READ"]))["token"]

    for key in (theirs, "no-such-thread"):
        for method, body in (("GET", None), ("PUT", {"name": "Моё"}), ("DELETE", None)):
            reply = await http.request(method, f"/mail_threads/{key}", json=body, headers={"Authorization": token})
            assert (reply.status_code, reply.json()["code"], reply.json()["status"]) == (404, "NOT_FOUND", 404)
            assert reply.json()["path"] == f"/mail_threads/{key}"
    # A taken key is a conflict, whoever holds it.
    taken = await http.post("/mail_threads", json={"id": theirs, "name": "Моё"}, headers={"Authorization": token})
    assert (taken.status_code, taken.json()["code"]) == (409, "CONFLICT")

    mine = (await http.post("/mail_threads", json={"name": "Моё"}, headers={"Authorization": token})).json()["id"]
    assert (await http.get(f"/mail_threads/{mine}", headers={"Authorization": reader})).status_code == 200
    for method, path in (
        ("PUT", f"/mail_threads/{mine}"),
        ("DELETE", f"/mail_threads/{mine}"),
        ("POST", "/mail_threads"),
    ):
        reply = await http.request(method, path, json={"name": "x"}, headers={"Authorization": reader})
        assert (reply.status_code, reply.json()["code"]) == (403, "FORBIDDEN"), (method, path)
    too_big = await http.post("/mail_threads/fetch_default", json={"size": 201}, headers={"Authorization": token})
    assert too_big.status_code == 400
    for size in (0, 201):
        reply = await http.post("/mail_threads/fetch_default", json={"size": size}, headers={"Authorization": token})
        assert (reply.status_code, reply.json()["code"]) == (400, "BAD_USER_INPUT")
    # A draft named like someone else's thread shows nothing of that thread.
    draft = await http.get(f"/mail_threads/get_draft?id={theirs}", headers={"Authorization": token})
    assert (draft.json()["followers"], draft.json()["attachments"], draft.json()["id"]) == ([], [], theirs)
    bad_sort = await http.post(
        "/mail_threads/fetch_default", json={"sort": "nope,up"}, headers={"Authorization": token}
    )
    assert bad_sort.status_code == 400


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ('{"a" : null,\n}', '{"a" : null\n}'),
        ("[1, 2, ]", "[1, 2 ]"),
        ('{"a": [1,], "b": {"c": 1,},}', '{"a": [1], "b": {"c": 1}}'),
        ('{"text": "a,}", "more": "\\",]"}', '{"text": "a,}", "more": "\\",]"}'),
        ('{"a": 1, "b": 2}', '{"a": 1, "b": 2}'),
    ],
)
def test_trailing_commas_are_dropped_outside_strings(given: str, expected: str) -> None:
    assert strip_trailing_commas(given) == expected


async def test_r7_login_is_throttled_like_graphql_login(db: Database, http: httpx.AsyncClient) -> None:
    await make_user(db, "user_test")
    statuses = []
    for _ in range(6):
        reply = await http.post("/api/v2/auth/Login", json={"Login": "user_test", "Password": "wrong"})
        statuses.append(reply.status_code)
    assert statuses == [401] * 5 + [429]
    assert reply.json()["Error"]["Code"] == "RATE_LIMITED" and int(reply.headers["retry-after"]) > 0
    # Locked even with the right password, through GraphQL as well: one rule, one count.
    right = await http.post("/api/v2/auth/Login", json={"Login": "user_test", "Password": "TestPassword"})
    assert right.status_code == 429
    assert await Client(http).error_codes(
        'mutation { login(login: "user_test", password: "TestPassword") { accessToken } }'
    ) == ["RATE_LIMITED"]
