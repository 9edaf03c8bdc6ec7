"""Errors as the contract wants them: a code in extensions, nothing internal leaked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from db.units import WriteUnavailable
from resolvers.errors import MailgateError

log = logging.getLogger("mailgate.errors")

INTERNAL_MESSAGE = "Internal server error"


def request_id_of(context: object) -> str | None:
    return getattr(context, "request_id", None)


def classify(error: GraphQLError) -> tuple[str, str, dict[str, Any]]:
    """The code, message and extra extensions a client may see for ``error``.

    A domain error keeps its message and code; a write the database could not take is
    UNAVAILABLE (db.units.WriteUnavailable). A request error (parse, validation,
    a variable its type could not read) is BAD_USER_INPUT. Anything else is
    INTERNAL_SERVER_ERROR with a generic message.
    """
    original = error.original_error
    # graphql-core wraps what a scalar or enum raised while reading a variable.
    while isinstance(original, GraphQLError):
        original = original.original_error
    if isinstance(original, MailgateError):
        return original.code, original.message, dict(original.extensions)
    if isinstance(original, WriteUnavailable):
        # Not in the contract's list: a write the database could not take (or whose COMMIT
        # was cut off), which the client may retry once it has checked messageChanges.
        return original.code, original.message, {"outcomeUnknown": original.outcome_unknown}
    if error.path is None and original is None:
        return "BAD_USER_INPUT", error.message, {}
    if error.path is None and isinstance(original, (ValueError, TypeError)) and error.nodes:
        # A variable or literal that its scalar could not read (a malformed date, say):
        # graphql-core points it at the variable or argument node.
        return "BAD_USER_INPUT", error.message, {}
    return "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE, {}


def coded(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The error a client sees, with extensions.code; an internal one carries the request id."""
    if (error.extensions or {}).get("code") and error.original_error is None:
        return error  # coded already
    code, message, extra = classify(error)
    extensions = {"code": code, **extra}
    if request_id and code == "INTERNAL_SERVER_ERROR":
        extensions["requestId"] = request_id
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def is_unexpected(error: GraphQLError) -> bool:
    """Whether ``error`` is masked as INTERNAL_SERVER_ERROR (and so must be logged)."""
    if (error.extensions or {}).get("code") and error.original_error is None:
        return False
    return classify(error)[0] == "INTERNAL_SERVER_ERROR"


class ErrorCodes(SchemaExtension):
    """Puts extensions.code on every error of a result and masks unexpected ones."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
            request_id = request_id_of(self.execution_context.context)
            result.errors = [coded(e, request_id) for e in result.errors]


def log_unexpected(errors: list[GraphQLError], context: object) -> None:
    """Log what was masked, with the request id the client was given."""
    request_id = request_id_of(context)
    for error in errors:
        if is_unexpected(error):
            log.error(
                "unexpected error in %s (request %s)",
                ".".join(str(p) for p in error.path or ()),
                request_id,
                exc_info=error.original_error or error,
            )
