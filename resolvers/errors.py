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


def parse_id(value: str | int, what: str) -> int:
    """An integer id from its string form; a malformed id is simply not found."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isdigit() or len(text) > 18:
        raise not_found(what, value)
    return int(text)


def parse_ids(values: list[str] | list[int] | tuple[str, ...], what: str) -> list[int]:
    """Integer ids, de-duplicated in their given order."""
    seen: dict[int, None] = {}
    for value in values:
        seen.setdefault(parse_id(value, what), None)
    return list(seen)
