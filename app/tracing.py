"""OpenTelemetry tracing, optional: ``pip install 'mailgate[otel]'`` and ``MAILGATE_OTEL=1``.

Strawberry's OpenTelemetryExtension opens a span per operation (named after it) with
child spans for parsing, validation and each resolver. Spans go to the process's
global tracer provider: the operator configures the exporter, for instance with
``opentelemetry-instrument`` and the ``OTEL_*`` variables. Arguments that carry secrets
(passwords, tokens) are never written into span attributes.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("mailgate.tracing")

#: Argument names whose values stay out of traces.
SECRET_ARGUMENTS = frozenset({"password", "newPassword", "oldPassword", "token", "refreshToken", "accessToken"})


def hide_secrets(args: dict[str, Any], _info: Any) -> dict[str, Any]:
    """A resolver's arguments as a span may show them: secrets replaced."""
    return {name: "[hidden]" if name in SECRET_ARGUMENTS else value for name, value in args.items()}


def tracing_extensions(enabled: bool) -> list[Any]:
    """The schema extensions that trace operations: none unless enabled and installed."""
    if not enabled:
        return []
    try:
        from strawberry.extensions.tracing import OpenTelemetryExtension
    except ImportError:
        log.warning("MAILGATE_OTEL=1 but OpenTelemetry is not installed: pip install 'mailgate[otel]'")
        return []
    log.info("tracing GraphQL operations with OpenTelemetry")
    return [lambda: OpenTelemetryExtension(arg_filter=hide_secrets)]
