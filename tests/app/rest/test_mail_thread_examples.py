"""The mail_thread document replayed: its request examples sent as written (the same
all-null thread, trailing comma and all, with this database's ids put in), each answer
checked against the documented fields and types, one operation after another."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

from db.engine import Database
from resolvers.import_jobs import wait_for_jobs
from resolvers.services import Services
from tests.app.rest import mail_thread_examples as ex
from tests.schema.test_upload import upload
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.json_schema import answer_schema, check


def thread_text(**values: Any) -> str:
    """The document's example text with some fields filled (ids, a name)."""
    text = ex.THREAD_TEXT
    for name, value in values.items():
        text = text.replace(f'"{name}" : null', f'"{name}" : {json.dumps(value, ensure_ascii=False)}')
    return text


def assert_thread(answer: Any) -> dict[str, Any]:
    """A thread as the document lists its fields: exactly those, with their types."""
    assert isinstance(answer, dict) and set(answer) == set(ex.THREAD), answer
    for name, kind in ex.THREAD_TYPES.items():
        assert isinstance(answer[name], kind) and not isinstance(answer[name], bool), (name, answer[name])
    return answer


async def send(http: httpx.AsyncClient, method: str, path: str, token: str, text: str | None = None) -> httpx.Response:
    headers = {"Authorization": token, "content-type": "application/json"}
    return await http.request(method, path, content=text.encode() if text else None, headers=headers)


def sheet(*rows: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([("id", "name", "followers"), *rows])
    return out.getvalue().encode()


async def test_mail_thread_document_walkthrough(db: Database, http: httpx.AsyncClient, services: Services) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    filip = await make_user(db, "filip_test", "Филиппов Филипп Филиппович", "filip_test@devr7.ru")
    me = await Client(http).login("user_test")
    filip_client = await Client(http).login("filip_test")
    token, filip_token = str(me.token), str(filip_client.token)

    # Create: the example as written has no name, which a thread needs: a Spring-style 400.
    refused = await send(http, "POST", "/mail_threads", token, ex.THREAD_TEXT)
    assert refused.status_code == 400
    assert refused.json() | {"message": ""} == {
        "status": 400,
        "error": "Bad Request",
        "code": "BAD_USER_INPUT",
        "message": "",
        "path": "/mail_threads",
    }
    created = await send(
        http, "POST", "/mail_threads", token, thread_text(name="Договор поставки", followers=[filip.id])
    )
    assert created.status_code == 200, created.text
    thread = assert_thread(created.json())
    openapi = (await http.get("/api/openapi.json")).json()
    check(thread, answer_schema(openapi, "POST", "/mail_threads"))
    check(refused.json(), answer_schema(openapi, "POST", "/mail_threads", 400))
    key = thread["id"]
    assert thread["name"] == "Договор поставки" and thread["message_is_follower"] == 1
    assert sorted(f["login"] for f in thread["followers"]) == ["filip_test", "user_test"]

    # Get, check_key, get_draft.
    got = await send(http, "GET", f"/mail_threads/{key}", token)
    assert assert_thread(got.json()) == thread
    assert (await send(http, "POST", "/mail_threads/check_key", token, thread_text(id=key))).json() == 1
    assert (await send(http, "POST", "/mail_threads/check_key", token, ex.THREAD_TEXT)).json() == 0
    assert (await send(http, "POST", "/mail_threads/check_key", token, thread_text(id="free-key"))).json() == 0
    draft = await http.get("/mail_threads/get_draft", params={"name": "Новая"}, headers={"Authorization": token})
    assert assert_thread(draft.json())["name"] == "Новая" and draft.json()["has_message"] == 0
    assert (await send(http, "GET", f"/mail_threads/{draft.json()['id']}", token)).status_code == 404
    # The document sends get_draft's example as a body on GET: that works too.
    raw_draft = assert_thread((await send(http, "GET", "/mail_threads/get_draft", token, ex.THREAD_TEXT)).json())
    assert raw_draft["name"] == "" and raw_draft["id"] != draft.json()["id"]

    # Update (PUT) and save: a tracked change is posted to the followers.
    renamed = await send(http, "PUT", f"/mail_threads/{key}", token, thread_text(id=key, name="Договор №2"))
    assert assert_thread(renamed.json())["name"] == "Договор №2"
    saved = await send(http, "POST", "/mail_threads/save", token, thread_text(id=key, name="Договор №3"))
    assert assert_thread(saved.json())["name"] == "Договор №3" and saved.json()["has_message"] == 1
    seen = assert_thread((await send(http, "GET", f"/mail_threads/{key}", filip_token)).json())
    assert seen["message_needaction_counter"] == 2 and seen["message_is_follower"] == 1
    assert (await send(http, "POST", "/mail_threads/save", token, ex.THREAD_TEXT)).status_code == 400  # no name
    new = await send(http, "POST", "/mail_threads/save", token, thread_text(name="Счёт"))
    assert assert_thread(new.json())["id"] != key

    # mail_message_post: the example names no post (400); with mailgate's body field it posts.
    post = thread_text(id=key)
    assert (await send(http, "POST", "/mail_threads/mail_message_post", token, post)).status_code == 400
    post = post.replace('"name" : null', '"name" : null, "body" : "Подписан"')
    posted = await send(http, "POST", "/mail_threads/mail_message_post", token, post)
    assert assert_thread(posted.json())["id"] == key
    refused = await send(http, "POST", f"/mail_threads/{key}/message_notify", token, ex.THREAD_TEXT)
    assert (refused.status_code, refused.json()["code"]) == (400, "BAD_USER_INPUT")  # nobody to notify
    notify = thread_text(id=key).replace(
        '"name" : null', f'"name" : null, "body" : "Срочно", "partner_ids" : [{filip.id}]'
    )
    assert assert_thread((await send(http, "POST", f"/mail_threads/{key}/message_notify", token, notify)).json())
    seen = (await send(http, "GET", f"/mail_threads/{key}", filip_token)).json()
    assert seen["message_needaction_counter"] == 4

    # Tracking: prepare, change, finalize posts once; prepare then discard posts nothing.
    for action in ("track_prepare", "track_finalize", "track_prepare", "track_discard"):
        if action == "track_finalize":
            await send(http, "PUT", f"/mail_threads/{key}", token, thread_text(name="Договор №4"))
        answer = await send(http, "POST", f"/mail_threads/{key}/{action}", token, ex.THREAD_TEXT)
        assert answer.status_code == 200, (action, answer.text)
        assert_thread(answer.json())
    assert (await send(http, "GET", f"/mail_threads/{key}", filip_token)).json()["message_needaction_counter"] == 5
    tracked = await send(http, "POST", f"/mail_threads/{key}/mail_track", token, ex.THREAD_TEXT)
    assert tracked.status_code == 200
    check(tracked.json(), answer_schema(openapi, "POST", "/mail_threads/{key}/mail_track"))
    assert {c["field"]: (c["old_value"], c["new_value"]) for c in tracked.json()}["name"] == (None, "Договор №4")
    track = await send(http, "POST", f"/mail_threads/{key}/message_track", token, thread_text(name="Договор №1"))
    assert assert_thread(track.json())
    assert (await send(http, "GET", f"/mail_threads/{key}", filip_token)).json()["message_needaction_counter"] == 6

    # process_attachments_for_post: a staged upload becomes the thread's.
    nothing = await send(http, "POST", f"/mail_threads/{key}/process_attachments_for_post", token, ex.THREAD_TEXT)
    assert assert_thread(nothing.json())["attachments"] == []
    staged = await upload(me, "Акт.pdf", b"%PDF-1.4 act")
    body = thread_text(attachments=[int(staged["id"])])
    handed = assert_thread(
        (await send(http, "POST", f"/mail_threads/{key}/process_attachments_for_post", token, body)).json()
    )
    assert [a["file_name"] for a in handed["attachments"]] == ["Акт.pdf"]

    # fetch_default: the document's body, with Spring's paging headers.
    page = await send(http, "POST", "/mail_threads/fetch_default", token, ex.FETCH_TEXT)
    assert page.status_code == 200
    assert [assert_thread(t)["name"] for t in page.json()] == ["Договор №4", "Счёт"]
    check(page.json(), answer_schema(openapi, "POST", "/mail_threads/fetch_default"))
    assert (page.headers["x-page"], page.headers["x-per-page"], page.headers["x-total"]) == ("0", "20", "2")
    one = await send(http, "POST", "/mail_threads/fetch_default", token, '{"page": 1, "size": 1, "sort": "name,asc"}')
    assert [t["name"] for t in one.json()] == ["Счёт"] and one.headers["x-total"] == "2"
    like = await send(http, "POST", "/mail_threads/fetch_default", token, '{"n_name_like": "СЧЁТ"}')
    assert [t["name"] for t in like.json()] == ["Счёт"]
    assert (
        await send(http, "POST", "/mail_threads/fetch_default", filip_token, f'{{"n_id_eq": "{new.json()["id"]}"}}')
    ).json() == []

    # Files: template, export, import (now, with an error sheet, in the background), print, report.
    template = await http.get(
        "/mail_threads/importtemplate?srfimporttag=csv", headers={"Authorization": token}, follow_redirects=True
    )
    assert template.status_code == 200 and template.text.lstrip("\ufeff").splitlines()[0] == "id,name,followers"
    export = await http.post(
        "/mail_threads/exportdata/fetch_default?srfexporttag=csv",
        json={"n_name_like": "Договор"},
        headers={"Authorization": token},
        follow_redirects=True,
    )
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert export.status_code == 200 and [r[0] for r in rows[1:]] == [key]
    one_export = await http.post(
        f"/mail_threads/exportdata/fetch_default/{key}", headers={"Authorization": token}, follow_redirects=True
    )
    assert one_export.status_code == 200 and one_export.content.startswith(b"PK")
    imported = await http.post(
        "/mail_threads/importdata",
        files={"file": ("threads.csv", sheet(("", "Импорт", "filip_test")))},
        headers={"Authorization": token},
    )
    assert imported.status_code == 200 and imported.json()["created"] == 1, imported.text
    failed = await http.post(
        "/mail_threads/importdata2",
        files={"file": ("threads.csv", sheet(("", "", "")))},
        headers={"Authorization": token},
        follow_redirects=True,
    )
    assert failed.status_code == 200 and "error" in failed.text.splitlines()[0]
    staged = await upload(me, "threads.csv", sheet(("", "Фоновый", "")), "text/csv")
    job = await http.get(
        "/mail_threads/asyncimportdata2", params={"srfossfileid": staged["id"]}, headers={"Authorization": token}
    )
    assert job.status_code == 200 and job.json()["status"] in ("QUEUED", "RUNNING", "SUCCEEDED"), job.text
    await wait_for_jobs(services)
    names = [t["name"] for t in (await send(http, "POST", "/mail_threads/fetch_default", token, "{}")).json()]
    assert {"Импорт", "Фоновый"} <= set(names)
    printed = await http.get(f"/mail_threads/printdata/{key}", headers={"Authorization": token}, follow_redirects=True)
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    html = await http.get(
        f"/mail_threads/printdata/{key}?srfcontenttype=html", headers={"Authorization": token}, follow_redirects=True
    )
    assert "Договор №4" in html.text
    report = await http.post("/mail_threads/report", headers={"Authorization": token}, follow_redirects=True)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")

    # Delete: true, then the thread is gone.
    deleted = await send(http, "DELETE", f"/mail_threads/{key}", token)
    assert (deleted.status_code, deleted.json()) == (200, True)
    assert (await send(http, "GET", f"/mail_threads/{key}", token)).status_code == 404
