"""Who may introspect the schema: ``MAILGATE_INTROSPECTION`` = on | signed-in | off.

``on`` (the default) answers ``__schema`` and ``__type`` to anyone; ``signed-in`` only
to a request with a valid token (else UNAUTHENTICATED); ``off`` to nobody (FORBIDDEN).
``__typename`` is always answered: clients need it to read unions. The federation
``_service { sdl }`` field is a gateway's business and follows its own permission.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Literal

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

Mode = Literal["on", "signed-in", "off"]
MODES: tuple[Mode, ...] = ("on", "signed-in", "off")
_ROOTS = frozenset({"__schema", "__type"})
_SEEN: OrderedDict[str, bool] = OrderedDict()
_SEEN_MAX = 512


def asks_schema(document: DocumentNode) -> bool:
    """Whether any selection of the document (fragments included) is ``__schema`` or ``__type``."""
    roots = (OperationDefinitionNode, FragmentDefinitionNode)
    stack = [d.selection_set for d in document.definitions if isinstance(d, roots)]
    while stack:
        selection_set = stack.pop()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value in _ROOTS:
                    return True
                stack.append(selection.selection_set)  # type: ignore[arg-type]
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
    return False


def _asks(query: str | None, document: DocumentNode) -> bool:
    if query is None:
        return asks_schema(document)
    if query not in _SEEN:
        _SEEN[query] = asks_schema(document)
        if len(_SEEN) > _SEEN_MAX:
            _SEEN.popitem(last=False)
    return _SEEN[query]


def introspection_policy(mode: Mode) -> Callable[[], SchemaExtension]:
    """The schema extension (a factory, as Strawberry wants) that enforces ``mode``."""
    if mode not in MODES:
        raise ValueError(f"MAILGATE_INTROSPECTION must be one of {', '.join(MODES)}, not {mode!r}")

    class IntrospectionPolicy(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if mode != "on" and context.result is None and document is not None and _asks(context.query, document):
                signed_in = getattr(context.context, "viewer", None) is not None
                if mode == "off":
                    error = GraphQLError("introspection is turned off", extensions={"code": "FORBIDDEN"})
                    context.result = GraphQLExecutionResult(data=None, errors=[error])
                elif not signed_in:
                    error = GraphQLError(
                        "sign in to introspect the schema: send Authorization: Bearer <token>",
                        extensions={"code": "UNAUTHENTICATED"},
                    )
                    context.result = GraphQLExecutionResult(data=None, errors=[error])
            yield

    return IntrospectionPolicy
