"""One structured log line per GraphQL operation, and the process's log format.

Every operation over HTTP (alone, or one of a batch) ends with one record on the
``mailgate.operations`` logger: request id, operation name and type, viewer id,
duration, the error codes of its answer, and ``executor`` (how it ran: "generic"
is graphql-core's per-field execution; a faster executor puts its own name in
``context.executor``). The same facts feed the Prometheus metrics.
``MAILGATE_LOG_FORMAT=json`` writes every record of the process as one JSON object
a line (extra fields included), for a log shipper.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from schema.context import Context
from schema.errors import classify

if TYPE_CHECKING:
    from strawberry.asgi import GraphQL

    from app.metrics import Metrics

    _View = GraphQL[Context, None]
else:
    _View = object

log = logging.getLogger("mailgate.operations")


@dataclass(slots=True)
class OperationFacts:
    """What one operation was and how it went."""

    request_id: str
    name: str | None
    type: str | None
    viewer_id: int | None
    duration_ms: float
    error_codes: list[str]
    executor: str

    def as_extra(self) -> dict[str, Any]:
        """The fields of the log record (``extra=``), prefixed so they clash with no LogRecord attribute."""
        return {
            "request_id": self.request_id,
            "operation_name": self.name,
            "operation_type": self.type,
            "viewer_id": self.viewer_id,
            "duration_ms": round(self.duration_ms, 3),
            "error_codes": self.error_codes,
            "executor": self.executor,
        }


def error_code(error: GraphQLError) -> str:
    """The extensions.code the client gets for ``error`` (as schema.errors codes it)."""
    code = (error.extensions or {}).get("code")
    if code and error.original_error is None:
        return str(code)
    return classify(error)[0]


class RecordOperation(SchemaExtension):
    """Notes the operation's name and type in the context once the document is parsed."""

    def on_operation(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        if not isinstance(ec.context, Context):
            return
        try:
            kind: str | None = ec.operation_type.value
        except Exception:  # no document (a syntax error) or no such operation: nothing to name
            kind = None
        ec.context.operation = (ec.operation_name, kind)


def facts_of(context: Context, request_data: Any, result: ExecutionResult | None, seconds: float) -> OperationFacts:
    """The facts of an operation that took ``seconds`` and answered ``result`` (None: refused before running)."""
    name, kind = context.operation or (None, None)
    if name is None:
        name = getattr(request_data, "operation_name", None)
    codes = [error_code(e) for e in result.errors or ()] if result is not None else ["BAD_USER_INPUT"]
    return OperationFacts(
        request_id=context.request_id,
        name=name,
        type=kind,
        viewer_id=context.viewer.user_id if context.viewer else None,
        duration_ms=seconds * 1000,
        error_codes=codes,
        executor=context.executor,
    )


def log_operation(facts: OperationFacts) -> None:
    """The operation's log line: WARNING when it answered an internal error, else INFO."""
    level = logging.WARNING if "INTERNAL_SERVER_ERROR" in facts.error_codes else logging.INFO
    log.log(
        level,
        "%s %s %.1fms viewer=%s errors=%s executor=%s request=%s",
        facts.type or "operation",
        facts.name or "(anonymous)",
        facts.duration_ms,
        facts.viewer_id if facts.viewer_id is not None else "-",
        ",".join(facts.error_codes) or "-",
        facts.executor,
        facts.request_id,
        extra=facts.as_extra(),
    )


class ObservedMixin(_View):
    """Mixed into the GraphQL view: each operation is timed, logged and counted."""

    metrics: Metrics | None = None

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: Any,
    ) -> ExecutionResult:
        started = time.perf_counter()
        result: ExecutionResult | None = None
        try:
            result = await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
            return result
        finally:
            facts = facts_of(context, request_data, result, time.perf_counter() - started)
            log_operation(facts)
            if self.metrics is not None:
                self.metrics.observe_operation(facts)


# -- the process's log format ---------------------------------------------------

_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the record's extra fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """The process's root handler on stderr, as text or (``json``) JSON lines; uvicorn's loggers follow it."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
