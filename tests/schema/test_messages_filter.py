"""Finding messages with every field of MessageFilter."""
# ruff: noqa: RUF003

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from db.engine import Database
from resolvers.mailstore import Address
from tests.utils.factories import deliver, make_label, make_thread, make_user
from tests.utils.graphql import Client

LIST = """query($filter: MessageFilter, $folderId: ID) {
  messages(folderId: $folderId, filter: $filter, first: 50) { totalCount unreadCount nodes { subject } } }"""


@dataclass
class Mailbox:
    me: Client
    labels: dict[str, int]
    thread: str


def day(n: int, hour: int = 10) -> datetime:
    return datetime(2025, 6, n, hour, 0, tzinfo=UTC)


@pytest.fixture
async def mailbox(db: Database, client: Client) -> Mailbox:
    user = await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    labels = {n: (await make_label(db, user, n)).id for n in ("red", "green", "blue", "other")}
    thread = await make_thread(db, user, "Договор")
    await deliver(
        db,
        user,
        subject="Отчёт за май",
        body="Квартальный отчёт готов, смотрите вложение",
        sender=("Иванов Иван", "ivanov@example.com"),
        date=day(1),
        files=[("report.xlsx", "application/octet-stream", b"x" * 3000)],
        label_ids=[labels["red"], labels["green"], labels["blue"]],
        thread_id=thread,
    )
    await deliver(
        db,
        user,
        subject="Meeting tomorrow",
        body="Let us meet at 100% capacity_planning room",
        sender=(None, "boss_100%@corp.example"),
        date=day(2),
        important=True,
        was_read=True,
        label_ids=[labels["red"], labels["green"]],
        to=[("Петров Пётр", "petrov@devr7.ru")],
        cc=[Address("ОТДЕЛ@devr7.ru", "Отдел продаж")],
    )
    await deliver(
        db,
        user,
        subject="Счёт на оплату",
        body="Оплатите счёт до пятницы",
        sender=("Бухгалтерия", "buh@devr7.ru"),
        date=day(3),
        label_ids=[labels["red"]],
        thread_id=thread,
    )
    await deliver(db, user, subject="Spam offer", body="Buy now", folder="JUNK", date=day(4))
    await deliver(db, user, subject="Old news", body="deleted report", folder="TRASH", date=day(5))
    await deliver(db, user, subject="Sent report", body="my report", folder="SENT", date=day(6), was_read=True)
    return Mailbox(await client.login("user_test"), labels, thread)


async def subjects(box: Mailbox, **filter: Any) -> list[str]:
    data = await box.me.data(LIST, {"filter": filter})
    return sorted(n["subject"] for n in data["messages"]["nodes"])


async def test_no_folder_means_every_folder_but_trash_and_junk(mailbox: Mailbox) -> None:
    data = await mailbox.me.data(LIST, {})
    assert sorted(n["subject"] for n in data["messages"]["nodes"]) == [
        "Meeting tomorrow",
        "Sent report",
        "Отчёт за май",
        "Счёт на оплату",
    ]
    assert (data["messages"]["totalCount"], data["messages"]["unreadCount"]) == (4, 2)
    explicit_null = await mailbox.me.data(LIST, {"folderId": None})
    assert explicit_null["messages"] == data["messages"]


async def test_query_is_real_full_text_with_every_word_and_prefixes(mailbox: Mailbox) -> None:
    assert await subjects(mailbox, query="отчёт") == ["Отчёт за май"]
    assert await subjects(mailbox, query="ОТЧЁТ") == ["Отчёт за май"]
    assert await subjects(mailbox, query="квартал") == ["Отчёт за май"]  # a prefix
    assert await subjects(mailbox, query="отчёт вложение") == ["Отчёт за май"]  # every word
    assert await subjects(mailbox, query="отчёт пятницы") == []
    assert await subjects(mailbox, query="счёт") == ["Счёт на оплату"]
    assert await subjects(mailbox, query="ivanov") == ["Отчёт за май"]  # the sender
    assert await subjects(mailbox, query="petrov") == ["Meeting tomorrow"]  # a recipient
    assert await subjects(mailbox, query="отдел продаж") == ["Meeting tomorrow"]  # a Cc
    assert await subjects(mailbox, query="отчет") == ["Отчёт за май"]
    assert await subjects(mailbox, query="МАЙ") == ["Отчёт за май"]  # ё and е are one letter everywhere
    assert await subjects(mailbox, query="report") == ["Sent report"]  # not Trash
    assert await subjects(mailbox, query="capacity") == ["Meeting tomorrow"]
    assert await subjects(mailbox, query="100%") == ["Meeting tomorrow"]
    assert await subjects(mailbox, query="'\" & | ! :* (") == await subjects(mailbox)


async def test_subject_and_body_look_in_their_part_only(mailbox: Mailbox) -> None:
    assert await subjects(mailbox, subject="отчёт") == ["Отчёт за май"]
    assert await subjects(mailbox, subject="готов") == []
    assert await subjects(mailbox, body="готов") == ["Отчёт за май"]
    assert await subjects(mailbox, body="оплат") == ["Счёт на оплату"]
    assert await subjects(mailbox, body="meeting") == []
    assert await subjects(mailbox, subject="счёт", body="пятниц") == ["Счёт на оплату"]


async def test_from_matches_address_or_name(mailbox: Mailbox) -> None:
    assert await subjects(mailbox, **{"from": "ИВАНОВ"}) == ["Отчёт за май"]
    assert await subjects(mailbox, **{"from": "buh@devr7"}) == ["Счёт на оплату"]
    assert await subjects(mailbox, **{"from": "бухгалтерия"}) == ["Счёт на оплату"]
    assert await subjects(mailbox, **{"from": "100%"}) == ["Meeting tomorrow"]
    assert await subjects(mailbox, **{"from": "s_1"}) == ["Meeting tomorrow"]
    assert await subjects(mailbox, **{"from": "_100"}) == ["Meeting tomorrow"]
    assert await subjects(mailbox, **{"from": "nobody"}) == []
    assert await subjects(mailbox, **{"from": "%"}) == ["Meeting tomorrow"]


async def test_to_matches_to_or_cc(mailbox: Mailbox) -> None:
    assert await subjects(mailbox, to="Пётр") == ["Meeting tomorrow"]
    assert await subjects(mailbox, to="отдел продаж") == ["Meeting tomorrow"]
    assert await subjects(mailbox, to="отдел@devr7.ru") == ["Meeting tomorrow"]
    assert await subjects(mailbox, to="siz_test") == ["Sent report", "Отчёт за май", "Счёт на оплату"]


async def test_dates_bound_the_listing_inclusively(mailbox: Mailbox) -> None:
    assert await subjects(mailbox, startDate="2025-06-02T10:00:00Z") == [
        "Meeting tomorrow",
        "Sent report",
        "Счёт на оплату",
    ]
    assert await subjects(mailbox, endDate="2025-06-02T10:00:00Z") == ["Meeting tomorrow", "Отчёт за май"]
    assert await subjects(mailbox, startDate="2025-06-02T00:00:00Z", endDate="2025-06-03T09:59:59Z") == [
        "Meeting tomorrow"
    ]
    # the same instant in another offset
    assert await subjects(mailbox, startDate="2025-06-03T13:00:00+03:00", endDate="2025-06-03T13:00:00+03:00") == [
        "Счёт на оплату"
    ]


async def test_label_ids_ask_for_every_one_of_the_labels(mailbox: Mailbox) -> None:
    ids = mailbox.labels
    assert await subjects(mailbox, labelIds=[ids["red"]]) == ["Meeting tomorrow", "Отчёт за май", "Счёт на оплату"]
    assert await subjects(mailbox, labelIds=[ids["red"], ids["green"]]) == ["Meeting tomorrow", "Отчёт за май"]
    assert await subjects(mailbox, labelIds=[ids["red"], ids["green"], ids["blue"]]) == ["Отчёт за май"]
    assert await subjects(mailbox, labelIds=[ids["green"], ids["green"]]) == ["Meeting tomorrow", "Отчёт за май"]
    assert await subjects(mailbox, labelIds=[ids["other"]]) == []
    assert await subjects(mailbox, labelIds=[]) == await subjects(mailbox)


async def test_flags_thread_and_size(mailbox: Mailbox) -> None:
    assert await subjects(mailbox, wasRead=True) == ["Meeting tomorrow", "Sent report"]
    assert await subjects(mailbox, wasRead=False) == ["Отчёт за май", "Счёт на оплату"]
    assert await subjects(mailbox, important=True) == ["Meeting tomorrow"]
    assert len(await subjects(mailbox, important=False)) == 3
    assert await subjects(mailbox, hasAttachments=True) == ["Отчёт за май"]
    assert len(await subjects(mailbox, hasAttachments=False)) == 3
    assert await subjects(mailbox, threadId=mailbox.thread) == ["Отчёт за май", "Счёт на оплату"]
    assert await subjects(mailbox, threadId="no-such-thread") == []
    assert await subjects(mailbox, minSize=3000) == ["Отчёт за май"]
    assert await subjects(mailbox, maxSize=3000) == ["Meeting tomorrow", "Sent report", "Счёт на оплату"]
    assert await subjects(mailbox, minSize=0, maxSize=2**31 - 1) == await subjects(mailbox)


async def test_filters_combine_and_count_over_every_page(mailbox: Mailbox) -> None:
    data = await mailbox.me.data(
        "query($f: MessageFilter) { messages(filter: $f, first: 1) { totalCount unreadCount nodes { subject } } }",
        {"f": {"labelIds": [mailbox.labels["red"]], "startDate": "2025-06-01T00:00:00Z"}},
    )
    assert data["messages"]["nodes"] == [{"subject": "Счёт на оплату"}]
    assert (data["messages"]["totalCount"], data["messages"]["unreadCount"]) == (3, 2)
    assert await subjects(mailbox, query="отчёт", wasRead=False, hasAttachments=True) == ["Отчёт за май"]
