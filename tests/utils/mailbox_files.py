"""Builders of real .eml and mbox bytes for tests, written out by hand (not by ``email``).

Every builder returns the bytes a mail client or MTA would have written:
encoded words, 8-bit bodies in koi8-r and windows-1251, multiparts, RFC 2231
file names, inline images and calendar invites.
"""

from __future__ import annotations

import base64
import quopri
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BASE_DATE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def encoded_word(text: str, charset: str = "utf-8", kind: str = "B") -> str:
    data = text.encode(charset)
    if kind == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    q = quopri.encodestring(data, header=True).decode()
    return f"=?{charset}?Q?{q}?="


def _b64(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def message(
    headers: list[tuple[str, str | bytes]],
    body: bytes | str,
    *,
    content_type: str | None = "text/plain; charset=utf-8",
    encoding: str | None = "8bit",
) -> bytes:
    """A message from header pairs (bytes values go in as they are) and a body."""
    lines: list[bytes] = []
    for name, value in headers:
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        lines.append(name.encode() + b": " + raw)
    if content_type:
        lines.append(b"MIME-Version: 1.0")
        lines.append(b"Content-Type: " + content_type.encode())
    if encoding:
        lines.append(b"Content-Transfer-Encoding: " + encoding.encode())
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    return b"\n".join(lines) + b"\n\n" + data


def basic_headers(
    number: int = 1,
    *,
    subject: str | bytes = "Hello",
    sender: str = "Sender <sender@example.com>",
    to: str = "User Test <user_test@devr7.ru>",
    message_id: str | None = None,
    date: datetime | None = None,
) -> list[tuple[str, str | bytes]]:
    when = date or BASE_DATE + timedelta(minutes=number)
    return [
        ("From", sender),
        ("To", to),
        ("Subject", subject),
        ("Date", format_datetime(when)),
        ("Message-ID", f"<{message_id or f'm{number}@example.com'}>"),
    ]


def koi8r_message(number: int = 1, **extra: str) -> bytes:
    """Subject and sender name as koi8-r encoded words; the body 8-bit koi8-r."""
    headers = basic_headers(
        number,
        subject=encoded_word("Отчёт за март", "koi8-r"),
        sender=f"{encoded_word('Иван Петров', 'koi8-r', 'Q')} <ivan@example.ru>",
    )
    headers += list(extra.items())
    return message(headers, "Привет! Отчёт во вложении.\n".encode("koi8-r"), content_type="text/plain; charset=koi8-r")


def cp1251_message(number: int = 1, **extra: str) -> bytes:
    """A raw 8-bit windows-1251 subject (no encoded word); a quoted-printable windows-1251 body."""
    headers = basic_headers(number, subject="Счёт на оплату №5".encode("cp1251"))
    headers += list(extra.items())
    body = quopri.encodestring("Добрый день, счёт приложен.\nС уважением, бухгалтерия\n".encode("cp1251"))  # noqa: RUF001 (Cyrillic)
    return message(headers, body, content_type="text/plain; charset=windows-1251", encoding="quoted-printable")


def encoded_words_message(number: int = 1) -> bytes:
    """A subject of two UTF-8 encoded words with plain text between."""
    subject = f"{encoded_word('Встреча', 'utf-8', 'Q')} in {encoded_word('Москве 🚀')}"
    return message(basic_headers(number, subject=subject), "Body in UTF-8: ёжик\n")


def alternative_message(number: int = 1) -> bytes:
    headers = basic_headers(number, subject="Alternative")
    body = (
        b"--alt\nContent-Type: text/plain; charset=utf-8\n\nPlain version\n"
        b"--alt\nContent-Type: text/html; charset=utf-8\n\n<p>HTML <b>version</b></p>\n"
        b"--alt--\n"
    )
    return message(headers, body, content_type='multipart/alternative; boundary="alt"', encoding=None)


def html_only_message(number: int = 1) -> bytes:
    headers = basic_headers(number, subject="Only HTML")
    html = "<html><head><style>p{}</style></head><body><p>Первый&nbsp;абзац</p><p>Second &amp; last</p></body></html>"
    return message(headers, html, content_type="text/html; charset=utf-8")


def nested_attachment_message(number: int = 1) -> bytes:
    """mixed[alternative[text, html], mixed[a PDF with a Cyrillic RFC 2231 name]]."""
    headers = basic_headers(number, subject="Nested")
    body = (
        b"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
        b"--inner\nContent-Type: text/plain; charset=utf-8\n\nSee the report\n"
        b"--inner\nContent-Type: text/html; charset=utf-8\n\n<p>See the report</p>\n"
        b"--inner--\n"
        b"--outer\nContent-Type: multipart/mixed; boundary=files\n\n"
        b"--files\nContent-Type: application/pdf; name*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf\n"
        b"Content-Disposition: attachment;\n filename*0*=utf-8''%D0%BE%D1%82%D1%87;\n filename*1*=%D1%91%D1%82.pdf\n"
        b"Content-Transfer-Encoding: base64\n\n" + _b64(PDF) + b"\n"
        b"--files--\n"
        b"--outer--\n"
    )
    return message(headers, body, content_type='multipart/mixed; boundary="outer"', encoding=None)


def inline_image_message(number: int = 1) -> bytes:
    headers = basic_headers(number, subject="With a logo")
    body = (
        b'--rel\nContent-Type: text/html; charset=utf-8\n\n<p>Logo: <img src="cid:logo.123@example.com"></p>\n'
        b"--rel\nContent-Type: image/png; name=logo.png\nContent-ID: <logo.123@example.com>\n"
        b"Content-Disposition: inline; filename=logo.png\nContent-Transfer-Encoding: base64\n\n" + _b64(PNG) + b"\n"
        b"--rel--\n"
    )
    return message(headers, body, content_type='multipart/related; boundary="rel"; type="text/html"', encoding=None)


def invite_message(number: int = 1, partstat: str = "DECLINED") -> bytes:
    headers = basic_headers(number, subject="Invitation: Planning")
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
        "UID:plan-1@example.com\r\nDTSTAMP:20240301T090000Z\r\nDTSTART:20240305T100000Z\r\n"
        "SUMMARY:Planning\r\nORGANIZER:mailto:user_test@devr7.ru\r\n"
        f"ATTENDEE;CN=Sender;PARTSTAT={partstat}:mailto:sender@example.com\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    body = (
        b"--inv\nContent-Type: text/plain; charset=utf-8\n\nSender declined.\n"
        b"--inv\nContent-Type: text/calendar; charset=utf-8; method=REPLY\n\n" + ics + b"\n"
        b"--inv--\n"
    )
    return message(headers, body, content_type='multipart/alternative; boundary="inv"', encoding=None)


def flagged_message(number: int = 1) -> bytes:
    headers = [
        *basic_headers(number, subject="Flags"),
        ("Importance", "High"),
        ("Auto-Submitted", "auto-generated"),
        ("Precedence", "bulk"),
        ("List-Id", "<news.example.com>"),
        ("Disposition-Notification-To", "sender@example.com"),
        ("Return-Receipt-To", "sender@example.com"),
        ("In-Reply-To", "<parent@example.com>"),
        ("References", "<root@example.com>\n <parent@example.com>"),
        ("Cc", "=?utf-8?B?0JDQvdC90LA=?= <anna@example.com>, bob@example.com"),
        ("Reply-To", "replies@example.com"),
    ]
    return message(headers, "Flagged\n")


def broken_message() -> bytes:
    """Binary data, not mail: NUL bytes and no header."""
    return bytes(range(256)) * 3


def mbox_of(messages: Iterable[bytes]) -> Iterator[bytes]:
    """An mbox (mboxrd): a From_ line before each message, ``From `` in bodies escaped."""
    for index, raw in enumerate(messages):
        when = (BASE_DATE + timedelta(minutes=index)).strftime("%a %b %d %H:%M:%S %Y")
        yield f"From sender@example.com {when}\n".encode()
        for line in raw.splitlines(keepends=True):
            stripped = line.lstrip(b">")
            yield (b">" + line) if stripped.startswith(b"From ") else line
        yield b"\n" if raw.endswith(b"\n") else b"\n\n"


GROUP = 5


def mixed_message(index: int) -> bytes:
    """Message ``index`` (0-based) of a mixed mailbox: groups of 5, a root and 4 replies to it."""
    number = index + 1
    root = index - index % GROUP
    kind = index % 4
    extra: dict[str, str] = {}
    if index != root:
        extra = {"In-Reply-To": f"<m{root + 1}@example.com>", "References": f"<m{root + 1}@example.com>"}
    if kind == 0:
        raw = koi8r_message(number, **extra)
    elif kind == 1:
        raw = cp1251_message(number, **extra)
    elif kind == 2:
        headers = basic_headers(number, subject=f"Re: Plain {root + 1}" if extra else f"Plain {root + 1}")
        headers += list(extra.items())
        raw = message(headers, f"Line one\nFrom here on, a body line that needs escaping ({number})\n")
    else:
        headers = basic_headers(number, subject=encoded_word(f"Тема {root + 1}")) + list(extra.items())
        raw = message(headers, f"Сообщение {number}\n".encode())
    return raw


def mixed_mbox(count: int, broken: int | None = None) -> bytes:
    """``count`` messages in mixed charsets; the one numbered ``broken`` (1-based) is binary garbage."""
    messages = (broken_message() if i + 1 == broken else mixed_message(i) for i in range(count))
    return b"".join(mbox_of(messages))
