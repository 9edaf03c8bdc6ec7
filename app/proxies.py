"""The client's address behind trusted reverse proxies (``MAILGATE_TRUSTED_PROXIES``).

Behind a proxy every request comes from the proxy's address, so the per-address login
throttle counted all clients together. When the peer is a trusted proxy, the client is
the right-most address of ``X-Forwarded-For`` that is not itself a trusted proxy (the
left-most ones are whatever the client chose to send, and are not believed). A peer
that is not trusted keeps its own address, whatever headers it sends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | Iterable[str]) -> list[Network]:
    """Addresses and CIDRs, comma- or space-separated; ValueError names a bad one."""
    items = spec.replace(",", " ").split() if isinstance(spec, str) else list(spec)
    networks: list[Network] = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"MAILGATE_TRUSTED_PROXIES: {item!r} is not an address or a CIDR") from error
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = text.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: list[str], trusted: list[Network]) -> str:
    """Who the client is, given the peer's address and the X-Forwarded-For values."""

    def is_trusted(text: str) -> bool:
        addr = _address(text)
        return addr is not None and any(addr in net for net in trusted)

    if not trusted or not is_trusted(peer):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            addr = _address(hop)
            return str(addr) if addr is not None else peer  # garbage from a proxy: keep the proxy
    return peer


class TrustedProxies:
    """ASGI middleware: ``scope["client"]`` becomes the real client behind trusted proxies."""

    def __init__(self, app: ASGIApp, trusted: list[Network]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] in ("http", "websocket") and scope.get("client"):
            peer, port = scope["client"]
            forwarded = [v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"x-forwarded-for"]
            if forwarded:
                real = client_address(peer, forwarded, self.trusted)
                if real != peer:
                    scope = {**scope, "client": (real, port)}
        await self.app(scope, receive, send)
