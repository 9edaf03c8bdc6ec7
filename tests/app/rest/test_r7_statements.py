"""An R7 listing page costs the same number of statements whatever its size: what the
43 fields need besides the rows (bodies, labels, files, threads, answers) is read once per page."""

from __future__ import annotations

import httpx

from db.engine import Database
from tests.utils.factories import deliver, folder_id, make_label, make_thread, make_user
from tests.utils.graphql import Client
from tests.utils.statements import counting


async def test_listing_statements_do_not_grow_with_the_page(db: Database, http: httpx.AsyncClient) -> None:
    me = await make_user(db, "user_test")
    label = await make_label(db, me, "Работа")
    thread = await make_thread(db, me, "Поставка")
    for n in range(30):
        await deliver(
            db,
            me,
            subject=f"Письмо {n}",
            files=[("a.txt", "text/plain", b"a")] if n % 2 else None,
            label_ids=[label.id] if n % 3 else None,
            thread_id=thread if n % 4 else None,
            message_id_header=f"m{n}@devr7.ru",
            in_reply_to=f"m{n - 1}@devr7.ru" if n else None,
        )
    inbox = await folder_id(db, me, "INBOX")
    headers = {"Authorization": str((await Client(http).login("user_test")).token)}

    counts = []
    for size in (2, 30):
        with counting(db) as statements:
            answer = await http.post("/api/v1/email/Messages", json={"folderId": inbox, "size": size}, headers=headers)
        assert answer.status_code == 200 and len(answer.json()["Items"]) == size
        counts.append(len(statements))
    # Sign-in, the folder, the page, then bodies, labels, files, thread counters, answered and answers.
    assert counts[0] == counts[1] <= 10, counts
    items = answer.json()["Items"]
    assert sum(1 for i in items if i["Attachments"]) == 15 and sum(1 for i in items if i["Labels"]) == 20
    assert sum(1 for i in items if i["ParentId"]) == 29 and sum(1 for i in items if i["HasChildren"]) == 29
