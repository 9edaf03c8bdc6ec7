"""Building RFC 5322 messages with the standard ``email`` package.

Pure: reading a stored message back into an Envelope is resolvers/envelopes.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

from resolvers.formats.parts import AttachmentPart


@dataclass(slots=True)
class Envelope:
    """What goes into the headers and body of one RFC 5322 message."""

    sender: dict[str, Any]
    subject: str
    body: str
    html_body: str | None = None
    to: list[dict[str, Any]] = field(default_factory=list)
    cc: list[dict[str, Any]] = field(default_factory=list)
    bcc: list[dict[str, Any]] = field(default_factory=list)
    reply_to: list[dict[str, Any]] = field(default_factory=list)
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    important: bool = False
    read_receipt: bool = False
    return_receipt: bool = False
    parts: list[AttachmentPart] = field(default_factory=list)


def header_address(value: dict[str, Any]) -> HeaderAddress:
    """An address for a header; a non-ASCII name becomes an encoded word on output."""
    address = str(value.get("address") or "")
    local, _, domain = address.rpartition("@")
    return HeaderAddress(display_name=value.get("name") or "", username=local or address, domain=domain)


#: CRLF lines, and 7-bit on the wire: non-ASCII text goes quoted-printable or base64,
#: so the message passes relays without 8BITMIME and reads back anywhere.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


def build_email(env: Envelope, *, include_bcc: bool = False) -> EmailMessage:
    """The message: text, HTML alternative, attachments (RFC 2231 names) and headers."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = header_address(env.sender)
    if env.to:
        msg["To"] = [header_address(a) for a in env.to]
    if env.cc:
        msg["Cc"] = [header_address(a) for a in env.cc]
    if include_bcc and env.bcc:
        msg["Bcc"] = [header_address(a) for a in env.bcc]
    if env.reply_to:
        msg["Reply-To"] = [header_address(a) for a in env.reply_to]
    msg["Subject"] = env.subject
    if env.date is not None:
        msg["Date"] = format_datetime(env.date)
    if env.message_id:
        msg["Message-ID"] = f"<{env.message_id}>"
    if env.in_reply_to:
        msg["In-Reply-To"] = f"<{env.in_reply_to}>"
    if env.references:
        msg["References"] = " ".join(f"<{r}>" for r in env.references)
    if env.important:
        msg["Importance"] = "high"
        msg["X-Priority"] = "1"
    sender = env.sender.get("address") or ""
    if env.read_receipt:
        msg["Disposition-Notification-To"] = sender
    if env.return_receipt:
        msg["Return-Receipt-To"] = sender
    msg.set_content(env.body or "", subtype="plain", charset="utf-8")
    if env.html_body:
        msg.add_alternative(env.html_body, subtype="html", charset="utf-8")
    inline = [p for p in env.parts if p.is_inline and p.content_id]
    if inline and env.html_body:
        payload = msg.get_payload()
        html_part = cast(EmailMessage, payload[-1] if isinstance(payload, list) else msg)
        for part in inline:
            maintype, _, subtype = part.mime_type.partition("/")
            html_part.add_related(
                part.data,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                cid=f"<{part.content_id}>",
                filename=part.file_name,
            )
    for part in env.parts:
        if part in inline and env.html_body:
            continue
        maintype, _, subtype = part.mime_type.partition("/")
        msg.add_attachment(
            part.data, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=part.file_name
        )
    return msg
