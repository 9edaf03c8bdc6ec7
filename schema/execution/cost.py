"""The cost of a document, counted without expanding its fragments.

A document's cost is the number of fields it would resolve on one object per level:
every field (each alias apart) counts one plus the cost of its selection; a fragment
spread costs what its fragment costs. Each fragment is measured once and remembered,
so a fragment spread twice by each of thirty fragments (2^30 fields once expanded)
costs thirty small sums to measure, not a billion visits. Sums saturate just above the
largest integer JSON carries exactly (2^53 - 1), so the arithmetic stays bounded
whatever the document says and the figure reaches a client intact.
"""

from __future__ import annotations

from typing import Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

#: Where sums stop: a cost past it is reported as it.
CEILING: Final = 2**53 - 1


class _Costing:
    """One document's costing: fragments by name, each measured once."""

    def __init__(self, document: DocumentNode, ceiling: int) -> None:
        self.ceiling = ceiling
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.known: dict[str, int] = {}
        self.visiting: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> int:
        # Iterative over nested fields would only matter past the token limit, which
        # bounds nesting; fragments (the only way to multiply work) are memoized.
        total = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += 1 + self.selection_set(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            if total > self.ceiling:
                return self.ceiling
        return total

    def fragment(self, name: str) -> int:
        if name in self.known:
            return self.known[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0  # an unknown fragment or a cycle: validation reports both
        self.visiting.add(name)
        try:
            cost = self.selection_set(definition.selection_set)
        finally:
            self.visiting.discard(name)
        self.known[name] = cost
        return cost


def document_cost(document: DocumentNode) -> int:
    """The cost of every operation of ``document`` (all of them are validated), at most ``CEILING``."""
    costing = _Costing(document, CEILING)
    total = 0
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                total = min(total + costing.selection_set(definition.selection_set), CEILING)
    except RecursionError:  # nesting deeper than the interpreter's stack: over any limit
        return CEILING
    return total
