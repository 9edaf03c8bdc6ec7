"""Parse and validate a document once: an LRU cache of prepared documents.

Every limit (tokens, cost, depth, aliases, introspection depth) is part of the cached
validation of a document, so a document seen before costs one dictionary lookup. The
cost is checked right after parsing, before any other rule, because it is the one
measure that does not grow with what fragments expand to (see ``cost.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    MaxIntrospectionDepthRule,
    parse,
    specified_rules,
    validate,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.execution.cost import document_cost
from schema.introspection import Mode
from schema.limits import introspection_depth_rule

#: Documents longer than this are prepared but not kept: the cache holds keys, not bodies.
MAX_CACHED_TEXT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one document may ask for; checked once per distinct document."""

    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_introspection_depth: int = 8
    max_cost: int = 5000
    #: Who may ask __schema and __type: "on", "signed-in" or "off" (schema.introspection).
    introspection: Mode = "on"


@dataclass(slots=True)
class PreparedDocument:
    """A parsed document and the result of its validation, with every limit.

    ``document`` is None when the text does not parse; ``errors`` is empty when the
    document may run. ``plans`` holds what the executor compiled for each of its
    operations (keyed by operation name), filled on first run.
    """

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    cost: int = 0
    plans: dict[Any, Any] = field(default_factory=dict)


def cost_error(cost: int, limit: int) -> GraphQLError:
    """The answer to a document over the cost limit (already coded: it names its numbers)."""
    return GraphQLError(
        f"the query costs {cost} fields once its fragments are expanded; the limit is {limit}",
        extensions={"code": "BAD_USER_INPUT", "cost": cost, "maxCost": limit},
    )


class DocumentCache:
    """Prepared documents by their text, least recently used out first.

    ``hits`` and ``misses`` count lookups; ``parsed`` and ``validated`` count the work
    done, so a test can see a repeated document do none.
    """

    def __init__(self, schema: GraphQLSchema, limits: Limits, maxsize: int = 1024) -> None:
        self.schema = schema
        self.limits = limits
        self.maxsize = maxsize
        self.hits = self.misses = self.parsed = self.validated = 0
        self._entries: OrderedDict[str, PreparedDocument] = OrderedDict()
        self.rules: tuple[type[ASTValidationRule], ...] = (
            *specified_rules,
            max_depth_rule(limits.max_depth, None),
            max_aliases_rule(limits.max_aliases),
            # graphql-core's rule (no list field nested three deep under introspection) and ours.
            MaxIntrospectionDepthRule,
            introspection_depth_rule(limits.max_introspection_depth),
            # Strawberry adds these two to every validation.
            MaybeNullValidationRule,
            OneOfInputValidationRule,
        )

    def __len__(self) -> int:
        return len(self._entries)

    def prepare(self, text: str) -> PreparedDocument:
        """The prepared document for ``text``: from the cache, or parsed, costed and validated now."""
        entry = self._entries.get(text)
        if entry is not None:
            self.hits += 1
            self._entries.move_to_end(text)
            return entry
        self.misses += 1
        entry = self._prepare(text)
        if len(text) <= MAX_CACHED_TEXT and self.maxsize > 0:
            self._entries[text] = entry
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return entry

    def _prepare(self, text: str) -> PreparedDocument:
        self.parsed += 1
        try:
            document = parse(text, max_tokens=self.limits.max_tokens)
        except GraphQLError as error:
            return PreparedDocument(None, (error,))
        cost = document_cost(document)
        if cost > self.limits.max_cost:
            return PreparedDocument(document, (cost_error(cost, self.limits.max_cost),), cost)
        self.validated += 1
        return PreparedDocument(document, tuple(validate(self.schema, document, self.rules)), cost)
