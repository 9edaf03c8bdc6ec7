"""Reading the addresses people type: bare ``user@example.org`` or ``Name <user@example.org>``.

Each string is one address. It is parsed with the standard library's RFC 5322
header parser, then checked more strictly than that parser does (it accepts a
lot to be able to read broken mail): the local part is ASCII without spaces,
the domain is a host name (an internationalized one is kept in its IDNA
``xn--`` form), and the whole address fits SMTP's 254 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry

_REGISTRY = HeaderRegistry()
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class AddressError(ValueError):
    """An address that cannot be used; ``value`` is what was typed."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value!r} is not a valid email address: {reason}")
        self.value = value
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    address: str
    name: str | None = None


def _domain(value: str, raw: str) -> str:
    domain = value.strip().rstrip(".").lower()
    if not domain:
        raise AddressError(raw, "it has no domain")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise AddressError(raw, "its domain is not a valid host name") from error
    labels = ascii_domain.split(".")
    if len(ascii_domain) > 253 or not all(_LABEL.match(label) for label in labels):
        raise AddressError(raw, "its domain is not a valid host name")
    return ascii_domain


def parse_address(raw: str) -> ParsedAddress:
    """One address from ``raw``; AddressError when it is not exactly one valid address."""
    text = (raw or "").strip()
    if not text:
        raise AddressError(raw, "it is empty")
    if any(ord(c) < 32 for c in text):
        raise AddressError(raw, "it contains control characters")
    try:
        header = _REGISTRY("to", text)
        addresses = list(header.addresses)  # type: ignore[attr-defined]
        defects = list(header.defects)
    except Exception as error:  # the parser raises IndexError and friends on garbage
        raise AddressError(raw, "it cannot be parsed") from error
    if len(addresses) != 1:
        raise AddressError(raw, "give one address per entry")
    if defects:
        raise AddressError(raw, str(defects[0]))
    found = addresses[0]
    local = found.username
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise AddressError(raw, "its local part is not valid")
    address = f"{local}@{_domain(found.domain, raw)}"
    if len(address) > 254:
        raise AddressError(raw, "it is longer than 254 characters")
    name = " ".join((found.display_name or "").split()) or None
    return ParsedAddress(address=address, name=name)


def parse_addresses(values: list[str] | None) -> list[ParsedAddress]:
    """Every address of ``values``, de-duplicated by address (case-insensitively), in order."""
    seen: dict[str, ParsedAddress] = {}
    for value in values or []:
        parsed = parse_address(value)
        seen.setdefault(parsed.address.lower(), parsed)
    return list(seen.values())
