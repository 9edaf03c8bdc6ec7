"""Errors as the contract wants them: a code in extensions, nothing internal leaked."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from resolvers.errors import MailgateError

log = logging.getLogger("mailgate.errors")

INTERNAL_MESSAGE = "Internal server error"


def request_id_of(context: object) -> str | None:
    return getattr(context, "request_id", None)


def coded(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """The error a client sees: a domain error keeps its message and code; a request
    error (parse, validation, variables) is BAD_USER_INPUT; anything else is masked."""
    original = error.original_error
    if isinstance(original, MailgateError):
        extensions = {"code": original.code, **original.extensions}
        message = original.message
    elif error.path is None and not isinstance(original, Exception):
        extensions = {"code": "BAD_USER_INPUT"}
        message = error.message
    elif error.path is None and isinstance(original, (ValueError, TypeError)):
        # A variable or literal that its scalar could not read (a malformed date, say).
        extensions = {"code": "BAD_USER_INPUT"}
        message = error.message
    else:
        extensions = {"code": "INTERNAL_SERVER_ERROR"}
        message = INTERNAL_MESSAGE
    if request_id and extensions["code"] == "INTERNAL_SERVER_ERROR":
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
    original = error.original_error
    if isinstance(original, MailgateError):
        return False
    return error.path is not None


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
