"""The SMTP relay client, and the background worker the app's lifespan runs."""

from __future__ import annotations

import asyncio
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from db.engine import Database
from resolvers.formats.relay import RelayConfig, RelayConfigError, relay
from resolvers.services import Services
from tests.utils.factories import make_user
from tests.utils.graphql import Client
from tests.utils.smtp import free_port, smtp_server


def test_relay_urls() -> None:
    plain = RelayConfig.from_url("smtp://relay.example.org")
    assert (plain.hostname, plain.port, plain.use_tls, plain.start_tls, plain.username) == (
        "relay.example.org",
        25,
        False,
        None,
        None,
    )
    tls = RelayConfig.from_url("smtps://mailer%40example.org:p%40ss@smtp.example.org?timeout=5")
    assert (tls.port, tls.use_tls, tls.start_tls) == (465, True, False)
    assert (tls.username, tls.password, tls.timeout) == ("mailer@example.org", "p@ss", 5.0)
    strict = RelayConfig.from_url("smtp://h:2525?starttls=require&verify=false")
    assert (strict.port, strict.start_tls, strict.validate_certs) == (2525, True, False)
    for bad in ("http://h", "smtp://", "smtp://h:99999"):
        with pytest.raises(RelayConfigError):
            RelayConfig.from_url(bad)


def _message() -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "a@example.org"
    msg["To"] = "b@example.org"
    msg["Subject"] = "Проверка"
    msg.set_content("текст")
    return msg.as_bytes()


async def test_relay_reports_each_recipient() -> None:
    with smtp_server() as smtp:
        smtp.recorder.refuse.add("gone@example.org")
        config = RelayConfig.from_url(smtp.url)
        outcomes = await relay(config, _message(), "a@example.org", ["b@example.org", "gone@example.org"])
        received = smtp.wait_for(1)
    assert [(o.recipient, o.ok, o.temporary) for o in outcomes] == [
        ("b@example.org", True, False),
        ("gone@example.org", False, False),
    ]
    assert received[0].recipients == ["b@example.org"]
    assert BytesParser(policy=policy.default).parsebytes(received[0].data)["Subject"] == "Проверка"


async def test_relay_to_a_closed_port_is_a_temporary_failure() -> None:
    config = RelayConfig.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=5")
    outcomes = await relay(config, _message(), "a@example.org", ["b@example.org"])
    assert [(o.ok, o.temporary) for o in outcomes] == [(False, True)]
    assert outcomes[0].message


async def test_the_lifespan_worker_relays_queued_mail(settings: Settings, services: Services, db: Database) -> None:
    await make_user(db, "user_test", "Сизый Федор Петрович", "siz_test@devr7.ru")
    app = create_app(settings, services)
    with smtp_server() as smtp:
        services.smtp_url = smtp.url
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                me = await Client(http).login("user_test")
                sent = await me.data(
                    "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id deliveryStatus } }",
                    {"i": {"to": ["ext@example.org"], "subject": "Фоном", "body": "текст"}},
                )
                assert sent["sendMessage"]["deliveryStatus"] == "QUEUED"
                status = "QUEUED"
                for _ in range(200):
                    status = (
                        await me.data(
                            "query($id: ID!) { message(id: $id) { deliveryStatus } }", {"id": sent["sendMessage"]["id"]}
                        )
                    )["message"]["deliveryStatus"]
                    if status != "QUEUED":
                        break
                    await asyncio.sleep(0.05)
        assert status == "SENT"
        assert [m.recipients for m in smtp.messages] == [["ext@example.org"]]
