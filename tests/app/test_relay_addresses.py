"""Relayed mail keeps every recipient: address lists with non-ASCII names fold as RFC 5322 says.

The standard library's folder used to put the comma between two addresses (and the
next address's angle brackets) inside an encoded word, so receivers saw fewer
recipients. The relayed bytes are read here by a real SMTP server and parsed twice:
strictly (``policy.default`` raising on any defect) and with the compat32 parser.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses

from hypothesis import given, settings
from hypothesis import strategies as st

from db.engine import Database
from resolvers.formats.mime import Envelope, build_email
from resolvers.outbox import relay_due
from resolvers.services import Services
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.smtp import smtp_server

STRICT = policy.default.clone(raise_on_defect=True)

TO = [
    ("Сизый Федор Петрович", "siz@outside.example"),
    ("Иванов Иван Иванович, отдел продаж", "ivanov@outside.example"),
    ("Bob", "bob@outside.example"),
]
CC = [
    ("Ёлкина-Палкина Александра Константиновна (бухгалтерия)", "elkina@outside.example"),
    ('Zoë "Z" Müller', "zoe@outside.example"),
]


def strictly(raw: bytes, header: str) -> list[tuple[str, str]]:
    message = BytesParser(policy=STRICT).parsebytes(raw)
    return [(a.display_name, a.addr_spec) for a in message[header].addresses]


def compat32(raw: bytes, header: str) -> list[tuple[str, str]]:
    message = message_from_bytes(raw)  # the compat32 policy: header values as they came
    found = getaddresses(message.get_all(header, []))
    return [(str(make_header(decode_header(name))), address) for name, address in found]


def typed(pairs: list[tuple[str, str]]) -> list[str]:
    return [f'"{name.replace(chr(34), chr(92) + chr(34))}" <{address}>' for name, address in pairs]


async def test_relayed_to_and_cc_keep_every_recipient(services: Services, client: Client, db: Database) -> None:
    await make_user(db, "ann")
    me = await client.login("ann")
    with smtp_server() as smtp:
        services.smtp_url = smtp.url
        await me.data(
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
            {"i": {"to": typed(TO), "cc": typed(CC), "subject": "Список", "body": "текст"}},
        )
        result = await relay_due(services)
        received = smtp.wait_for(1)
    assert result.sent == len(TO) + len(CC)
    raw = received[0].data
    assert sorted(received[0].recipients) == sorted(a for _, a in TO + CC)
    for parse in (strictly, compat32):
        assert parse(raw, "To") == TO
        assert parse(raw, "Cc") == CC
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


names = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(names, min_size=1, max_size=6))
def test_any_display_names_read_back_the_same(display_names: list[str]) -> None:
    to = [{"name": name, "address": f"user{i}@example.org"} for i, name in enumerate(display_names)]
    raw = build_email(Envelope(sender={"address": "a@example.org"}, subject="s", body="b", to=to)).as_bytes()
    expected = [(t["name"], t["address"]) for t in to]
    assert strictly(raw, "To") == expected
    assert compat32(raw, "To") == expected
