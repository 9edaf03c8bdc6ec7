"""Address headers folded the safe way: one address a line, each display name encoded alone.

The standard library's folder (CPython 3.11) can pull the comma and angle brackets
between two addresses into an encoded word, so receivers lose recipients, and it splits
a long name into several encoded words, which its own parser reads back with a space
added between them (RFC 2047 says that whitespace is dropped, as compat32's
``decode_header`` does), so no split of a name reads the same with both. Here every
address of From/To/Cc/Bcc/Reply-To is written by itself, a name that is not plain ASCII
as ONE encoded word (``=?utf-8?b?...?=``; past 75 characters for long names, which
RFC 2047 advises against but decoders accept, unlike a name that changes), on its own
line before ``<user@host>``, and the addresses are joined with ``,`` and a fold.
"""

from __future__ import annotations

from base64 import b64encode
from email.headerregistry import Address
from email.policy import EmailPolicy
from email.utils import formataddr
from typing import Any

ADDRESS_HEADERS = frozenset({"from", "sender", "to", "cc", "bcc", "reply-to"})


def format_address(address: Address, linesep: str = "\r\n") -> str:
    """``address`` as it appears in a header, possibly over several folded lines."""
    name, spec = address.display_name, address.addr_spec
    if not name:
        return spec
    if name.isascii() and "=?" not in name and name.isprintable():
        return formataddr((name, spec))  # quoted when it holds specials such as a comma
    encoded = b64encode(name.encode("utf-8")).decode("ascii")
    return f"=?utf-8?b?{encoded}?={linesep} <{spec}>"


def fold_address_header(name: str, value: Any, linesep: str) -> str | None:
    """The folded header for an address header object, or None for one to leave to the library."""
    if name.lower() not in ADDRESS_HEADERS:
        return None
    groups = getattr(value, "groups", None)
    if not groups or any(group.display_name is not None for group in groups):
        return None  # a string, or named groups ("undisclosed-recipients:;"): the library's folder
    addresses = [format_address(a, linesep) for group in groups for a in group.addresses]
    if not addresses:
        return None
    return f"{name}: {(',' + linesep + ' ').join(addresses)}{linesep}"


class AddressFoldingPolicy(EmailPolicy):
    """An EmailPolicy whose address headers fold with ``fold_address_header``."""

    def fold(self, name: str, value: Any) -> str:
        folded = fold_address_header(name, value, self.linesep)
        return folded if folded is not None else super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = fold_address_header(name, value, self.linesep)
        return folded.encode("ascii") if folded is not None else super().fold_binary(name, value)
