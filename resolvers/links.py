"""Signed, short-lived links: an HMAC over what the link names and when it expires."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote


class LinkError(Exception):
    """A link that was tampered with (status 403) or has expired (410)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class SignedLink:
    url: str
    expires_at: datetime


class LinkSigner:
    """Makes and checks links of the form ``/files/{kind}/{ident}?exp=..&sig=..``."""

    def __init__(self, secret: str, base_url: str, ttl: int) -> None:
        self._key = hashlib.sha256(b"mailgate-links:" + secret.encode()).digest()
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl

    def _signature(self, kind: str, ident: str, expires: int) -> str:
        mac = hmac.new(self._key, f"{kind}\n{ident}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")

    def sign(self, kind: str, ident: str | int, *, now: float | None = None) -> SignedLink:
        """A link to ``/files/{kind}/{ident}`` that works until the TTL runs out."""
        expires = int((now if now is not None else time.time()) + self.ttl)
        ident = str(ident)
        sig = self._signature(kind, ident, expires)
        url = f"{self.base_url}/files/{kind}/{quote(ident, safe='')}?exp={expires}&sig={sig}"
        return SignedLink(url=url, expires_at=datetime.fromtimestamp(expires, UTC))

    def verify(self, kind: str, ident: str | int, expires: str | None, sig: str | None) -> None:
        """Raise LinkError unless the link is genuine and unexpired."""
        if not expires or not sig or not (expires.isascii() and expires.isdigit()) or len(expires) > 12:
            raise LinkError("this link is not signed", 403)
        expected = self._signature(kind, str(ident), int(expires))
        # Bytes: compare_digest refuses str with non-ASCII characters.
        if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
            raise LinkError("this link is not valid", 403)
        if int(expires) < time.time():
            raise LinkError("this link has expired", 410)
