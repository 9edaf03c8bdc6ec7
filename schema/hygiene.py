"""Text inputs are checked once, at the edge, before any resolver runs.

NUL and the other C0 control characters (except tab, CR and LF) have no place in a
subject, a name, a search or an id, and PostgreSQL refuses NUL in text outright.
Every string of a request (argument literals in the document, variable values, and
keys and values inside JSON) is looked at once; the first offender is answered
BAD_USER_INPUT naming where it is (``filter.subject``, ``$input.to[1]``). Headers
refuse CR and LF as well; that is the resolvers' business
(``resolvers.errors.header_text``), where a header is made from a value.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

#: C0 controls but tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Documents whose literals were checked, by their text (bounded).
_CHECKED: OrderedDict[str, GraphQLError | None] = OrderedDict()
_CHECKED_MAX = 512


def control_character(value: str) -> str | None:
    """The first forbidden control character of ``value`` as U+XXXX, or None."""
    found = _CONTROL.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def _problem(path: str, value: str) -> GraphQLError | None:
    char = control_character(value)
    if char is None:
        return None
    return GraphQLError(
        f"{path} contains the control character {char}; text may hold tab, CR and LF but no other control characters",
        extensions={"code": "BAD_USER_INPUT", "argument": path},
    )


def _literal_strings(path: str, value: ValueNode) -> Iterator[tuple[str, str]]:
    """(path, text) of every string literal inside ``value``, without recursion."""
    stack: list[tuple[str, ValueNode]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, StringValueNode):
            yield where, node.value
        elif isinstance(node, ListValueNode):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(node.values))
        elif isinstance(node, ObjectValueNode):
            stack.extend((f"{where}.{f.name.value}", f.value) for f in node.fields)


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.error: GraphQLError | None = None

    def _check(self, path: str, value: ValueNode | None) -> None:
        if value is None or self.error is not None:
            return
        for where, text in _literal_strings(path, value):
            self.error = _problem(where, text)
            if self.error is not None:
                return

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._check(node.name.value, node.value)

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        self._check(f"${node.variable.name.value}", node.default_value)


def literal_problem(query: str | None, document: DocumentNode) -> GraphQLError | None:
    """The first string literal of the document with a forbidden character (checked once per text)."""
    if query is not None and query in _CHECKED:
        _CHECKED.move_to_end(query)
        return _CHECKED[query]
    visitor = _Literals()
    visit(document, visitor)
    if query is not None:
        _CHECKED[query] = visitor.error
        if len(_CHECKED) > _CHECKED_MAX:
            _CHECKED.popitem(last=False)
    return visitor.error


def variables_problem(variables: dict[str, Any] | None) -> GraphQLError | None:
    """The first string (or JSON key) among the variables with a forbidden character."""
    stack: list[tuple[str, Any]] = [(f"${k}", v) for k, v in (variables or {}).items()]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            error = _problem(where, value)
            if error is not None:
                return error
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
        elif isinstance(value, dict):
            for key, v in value.items():
                error = _problem(f"{where} (a key)", key) if isinstance(key, str) else None
                if error is not None:
                    return error
                stack.append((f"{where}.{key}", v))
    return None


class InputHygiene(SchemaExtension):
    """Refuses a request whose text inputs hold control characters, before execution."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        error = literal_problem(context.query, document) if document is not None else None
        error = error or variables_problem(context.variables)
        if error is not None:
            context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
