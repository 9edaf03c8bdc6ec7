"""The demo mailbox through both REST edges: every message and thread the demo holds is
written in the documented shape, on every page."""

from __future__ import annotations

import httpx
import pytest

from app.demo import load_demo_data
from db.engine import Database
from tests.app.rest import r7_examples as ex
from tests.app.rest.test_mail_thread_examples import assert_thread
from tests.utils.json_schema import answer_schema, check
from tests.utils.shapes import assert_shape


@pytest.mark.slow
async def test_every_demo_message_and_thread_has_the_documented_shape(db: Database, http: httpx.AsyncClient) -> None:
    assert await load_demo_data(db)
    login = await http.post("/api/v2/auth/Login", json=ex.LOGIN_REQUEST)
    headers = {"Authorization": login.json()["Response"]["Data"]["Tokens"]["AuthToken"]}
    openapi = (await http.get("/api/openapi.json")).json()
    schema = answer_schema(openapi, "POST", "/api/v1/email/Messages")

    seen, offset, total = 0, 0, None
    while total is None or offset < total:
        page = await http.post("/api/v1/email/Messages", json={"offset": offset, "size": 200}, headers=headers)
        body = page.json()
        check(body, schema)
        for item in body["Items"]:
            # The document's example fixes names and types; a value it shows as null may be anything here.
            assert_shape(item, {**ex.FILTER_ITEM, "Cc": None, "Bcc": None, "Labels": None, "Attachments": None})
        total, seen, offset = body["Count"], seen + len(body["Items"]), offset + 200
    assert seen == total > 100

    threads = await http.post("/mail_threads/fetch_default", json={"size": 200}, headers=headers)
    assert threads.status_code == 200 and int(threads.headers["x-total"]) == len(threads.json()) > 0
    for thread in threads.json():
        assert_thread(thread)
