"""A validation rule that keeps introspection queries shallow."""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)

#: Fields that walk the type graph in an introspection query. ``ofType`` is not
#: among them: it is a chain of single wrappers that ends in null, and the standard
#: introspection query (graphql.get_introspection_query, GraphiQL) nests it nine deep.
_WALKING = frozenset({"fields", "interfaces", "possibleTypes", "inputFields", "type", "args"})
_ROOTS = frozenset({"__schema", "__type"})


def introspection_depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """A rule refusing introspection that nests type-walking fields deeper than ``max_depth``.

    The standard introspection query nests them three deep (``fields { args { type``);
    attackers nest ``fields { type { fields ...`` hundreds of levels to exhaust a
    server. Fragments are followed, so hiding the nesting in fragments does not help;
    each fragment is measured once, so fragments that spread others many times cost
    nothing to check.
    """

    class IntrospectionDepthRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragment_depth: dict[tuple[str, bool], int] = {}
            self._visiting: set[str] = set()

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            try:
                depth = self._depth(node.selection_set, inside=False)
            except RecursionError:
                depth = max_depth + 1
            if depth > max_depth:
                self.report_error(GraphQLError("introspection query is too deep", node))

        def _depth(self, selection_set: SelectionSetNode | None, *, inside: bool) -> int:
            """The deepest nesting of walking fields below ``selection_set``."""
            deepest = 0
            for selection in selection_set.selections if selection_set else ():
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    walks = inside and name in _WALKING
                    below = self._depth(selection.selection_set, inside=inside or name in _ROOTS)
                    deepest = max(deepest, below + (1 if walks else 0))
                elif isinstance(selection, InlineFragmentNode):
                    deepest = max(deepest, self._depth(selection.selection_set, inside=inside))
                elif isinstance(selection, FragmentSpreadNode):
                    deepest = max(deepest, self._spread(selection.name.value, inside=inside))
            return deepest

        def _spread(self, name: str, *, inside: bool) -> int:
            key = (name, inside)
            if key in self._fragment_depth:
                return self._fragment_depth[key]
            fragment = self.context.get_fragment(name)
            if fragment is None or name in self._visiting:
                return 0  # unknown fragments and cycles are reported by the standard rules
            self._visiting.add(name)
            try:
                depth = self._depth(fragment.selection_set, inside=inside)
            finally:
                self._visiting.discard(name)
            self._fragment_depth[key] = depth
            return depth

    return IntrospectionDepthRule
