"""What a query selects below the current field, to load it once for a whole page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar, cast

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info

T = TypeVar("T")
R = TypeVar("R")


def selected_names(info: Info) -> frozenset[str]:
    """Every field name selected anywhere below the current field (fragments included)."""
    names: set[str] = set()
    stack: list[Selection] = []
    for f in info.selected_fields:
        stack.extend(f.selections)
    while stack:
        node = stack.pop()
        if isinstance(node, SelectedField):
            names.add(node.name)
            stack.extend(node.selections)
        elif isinstance(node, (FragmentSpread, InlineFragment)):
            stack.extend(node.selections)
    return frozenset(names)


def child_names(info: Info) -> frozenset[str]:
    """The field names selected directly below the current field (through fragments)."""
    names: set[str] = set()
    stack: list[Selection] = []
    for f in info.selected_fields:
        stack.extend(f.selections)
    while stack:
        node = stack.pop()
        if isinstance(node, SelectedField):
            names.add(node.name)
        elif isinstance(node, (FragmentSpread, InlineFragment)):
            stack.extend(node.selections)
    return frozenset(names)


def later(awaitable: Awaitable[Any], convert: Callable[[Any], R]) -> R:
    """An awaitable of ``convert(result)``, returned from a sync field.

    graphql-core awaits whatever a resolver returns, so a field whose data was
    not prefetched can still go through a loader without being ``async`` for
    every item of a list.
    """

    async def wait() -> R:
        return convert(await awaitable)

    return cast(R, wait())


def each(values: Iterable[Any], convert: Callable[[Any], R]) -> list[R]:
    return [convert(v) for v in values]
