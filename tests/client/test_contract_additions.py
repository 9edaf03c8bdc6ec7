"""The contract grows only by additions: its issue-13 section breaks nothing of what precedes it."""

from __future__ import annotations

from graphql import build_ast_schema, find_breaking_changes, find_dangerous_changes, parse

from schema.contract import CONTRACT

MARK = "# --- Additions: conversations, contacts, identities, invitations (issue 13) ---"


def test_the_additions_section_is_only_additions() -> None:
    text = CONTRACT.read_text()
    assert MARK in text
    before = build_ast_schema(parse(text.split(MARK)[0]))
    after = build_ast_schema(parse(text))
    assert [c.description for c in find_breaking_changes(before, after)] == []
    # Additions only: an added optional argument or input field, or an added enum value, is all it may do.
    allowed = ("An optional field", "An optional arg", "was added to enum")
    dangerous = [c.description for c in find_dangerous_changes(before, after)]
    assert [d for d in dangerous if not any(a in d for a in allowed)] == []
