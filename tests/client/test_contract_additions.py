"""The contract grows only by additions: schema/additions.graphql breaks nothing of it, and is served."""

from __future__ import annotations

from graphql import build_ast_schema, find_breaking_changes, find_dangerous_changes, parse

from schema.build import build_schema
from schema.contract import ADDITIONS, CONTRACT, served_schema


def test_the_additions_are_only_additions() -> None:
    contract = CONTRACT.read_text()
    before = build_ast_schema(parse(contract))
    after = build_ast_schema(parse(contract + "\n" + ADDITIONS.read_text()))
    assert [c.description for c in find_breaking_changes(before, after)] == []
    # Additions only: an added optional argument or input field, or an added enum value, is all it may do.
    allowed = ("An optional field", "An optional arg", "was added to enum")
    dangerous = [c.description for c in find_dangerous_changes(before, after)]
    assert [d for d in dangerous if not any(a in d for a in allowed)] == []


def test_the_served_schema_has_the_additions() -> None:
    described = build_ast_schema(parse(CONTRACT.read_text() + "\n" + ADDITIONS.read_text()))
    served = served_schema(build_schema().as_str())
    assert [c.description for c in find_breaking_changes(described, served)] == []
