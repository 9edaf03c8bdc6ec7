"""A validation rule that keeps introspection queries shallow."""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLError, ValidationContext

#: Fields that walk the type graph in an introspection query.
_WALKING = frozenset({"ofType", "fields", "interfaces", "possibleTypes", "inputFields", "type", "args"})


def introspection_depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """A rule refusing introspection that nests type-walking fields deeper than ``max_depth``.

    The standard introspection query nests ``ofType`` seven levels; attackers
    nest ``fields { type { fields ...`` hundreds of levels to exhaust a server.
    """

    class IntrospectionDepthRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._depth = 0
            self._in_introspection = 0

        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            name = node.name.value
            if name in ("__schema", "__type"):
                self._in_introspection += 1
            elif self._in_introspection and name in _WALKING:
                self._depth += 1
                if self._depth > max_depth:
                    self.report_error(GraphQLError("introspection query is too deep", node))

        def leave_field(self, node: FieldNode, *_args: Any) -> None:
            name = node.name.value
            if name in ("__schema", "__type"):
                self._in_introspection -= 1
            elif self._in_introspection and name in _WALKING:
                self._depth -= 1

    return IntrospectionDepthRule
