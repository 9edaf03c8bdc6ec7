"""Relaying mail to an SMTP server with aiosmtplib.

The relay is named by a URL: ``smtp://[user:password@]host[:port]`` (port 25;
STARTTLS when the server offers it) or ``smtps://...`` (TLS from the start,
port 465). Query options: ``starttls=require|never`` and ``verify=false``
(do not check the server's certificate), ``timeout=<seconds>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


class RelayConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RelayConfig:
    hostname: str
    port: int
    use_tls: bool = False
    start_tls: bool | None = None
    username: str | None = None
    password: str | None = None
    validate_certs: bool = True
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> RelayConfig:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise RelayConfigError("the SMTP relay URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise RelayConfigError("the SMTP relay URL names no host")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        use_tls = parts.scheme == "smtps"
        start_tls: bool | None = None
        if options.get("starttls") == "require":
            start_tls = True
        elif options.get("starttls") == "never" or use_tls:
            start_tls = False
        try:
            port = parts.port or (465 if use_tls else 25)
            timeout = float(options.get("timeout", 30))
        except ValueError as error:
            raise RelayConfigError(f"the SMTP relay URL is not valid: {error}") from error
        return cls(
            hostname=parts.hostname,
            port=port,
            use_tls=use_tls,
            start_tls=start_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            validate_certs=options.get("verify", "true").lower() not in ("false", "0", "no"),
            timeout=timeout,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one recipient: delivered, or failed for good or for now."""

    recipient: str
    ok: bool
    temporary: bool = False
    message: str = ""


def _describe(error: BaseException) -> str:
    code = getattr(error, "code", None)
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return f"{code} {text}".strip() if code else text


def _is_temporary(error: BaseException) -> bool:
    code = getattr(error, "code", None)
    if isinstance(code, int) and 500 <= code < 600:
        return False
    # Authentication failures will not fix themselves by retrying.
    return not isinstance(error, aiosmtplib.SMTPAuthenticationError)


async def relay(config: RelayConfig, data: bytes, sender: str, recipients: Sequence[str]) -> list[Outcome]:
    """Send ``data`` (RFC 5322 bytes) from ``sender`` to ``recipients`` in one SMTP transaction."""
    recipients = list(recipients)
    try:
        refused, _response = await aiosmtplib.send(
            data,
            sender=sender,
            recipients=recipients,
            hostname=config.hostname,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.use_tls,
            start_tls=config.start_tls,
            validate_certs=config.validate_certs,
            timeout=config.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        by_rcpt = {e.recipient: e for e in error.recipients}
        return [
            Outcome(r, False, _is_temporary(by_rcpt[r]), _describe(by_rcpt[r]))
            if r in by_rcpt
            else Outcome(r, False, True, "not attempted: every recipient was refused")
            for r in recipients
        ]
    except (aiosmtplib.SMTPException, OSError) as error:
        temporary = _is_temporary(error)
        message = _describe(error)
        return [Outcome(r, False, temporary, message) for r in recipients]
    outcomes = []
    for r in recipients:
        response = refused.get(r)
        if response is None:
            outcomes.append(Outcome(r, True))
        else:
            outcomes.append(Outcome(r, False, not 500 <= response.code < 600, f"{response.code} {response.message}"))
    return outcomes
