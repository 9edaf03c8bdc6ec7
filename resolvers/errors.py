"""Domain errors: a code from the contract and a message for people."""

from __future__ import annotations

from typing import Any, ClassVar


class MailgateError(Exception):
    """An expected failure that a client may act on; its code goes to extensions.code."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthenticated(MailgateError):
    code = "UNAUTHENTICATED"


class Forbidden(MailgateError):
    code = "FORBIDDEN"


class NotFound(MailgateError):
    code = "NOT_FOUND"


class BadUserInput(MailgateError):
    code = "BAD_USER_INPUT"


class Conflict(MailgateError):
    code = "CONFLICT"


class RateLimited(MailgateError):
    code = "RATE_LIMITED"


class PayloadTooLarge(MailgateError):
    code = "PAYLOAD_TOO_LARGE"


def not_found(what: str, ident: object) -> NotFound:
    """The one answer for a missing id and for someone else's id."""
    return NotFound(f"{what} {ident} was not found")


#: Every integer id column is a 32-bit INTEGER: a larger number names nothing.
MAX_ID = 2**31 - 1


def decimal(value: str, maximum: int) -> int | None:
    """The number ``value`` spells in ASCII digits (surrounding blanks allowed), when it is
    within 0..``maximum``; None for anything else (``"²"``, ``"١٢"``, ``"-1"``, ``"1e3"``)."""
    text = value.strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def parse_id(value: str | int, what: str) -> int:
    """An integer id from its string form; a malformed or out-of-range id is simply not
    found, the same answer as a missing one (and no statement reaches the database)."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else decimal(str(value), MAX_ID)
    if number is None or not 0 <= number <= MAX_ID:
        raise not_found(what, value)
    return number


def header_text(value: str, argument: str) -> str:
    """``value`` when it can go into a mail header: no line break (a header injection) and
    no control character; else BAD_USER_INPUT naming ``argument``."""
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        raise BadUserInput(
            f"{argument} goes into a mail header: it cannot contain line breaks or control characters",
            argument=argument,
        )
    return value


def parse_ids(values: list[str] | list[int] | tuple[str, ...], what: str) -> list[int]:
    """Integer ids, de-duplicated in their given order."""
    seen: dict[int, None] = {}
    for value in values:
        seen.setdefault(parse_id(value, what), None)
    return list(seen)
