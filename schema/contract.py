"""The contract check: what the served schema breaks of ../shared/api/schema.graphql."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    BreakingChange,
    DocumentNode,
    GraphQLSchema,
    ObjectTypeDefinitionNode,
    build_ast_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
)

HERE = Path(__file__).parent
CONTRACT = HERE / "contract.graphql"
PENDING = HERE / "contract_pending.txt"
#: What mailgate serves beyond the contract, in SDL: additions only.
ADDITIONS = HERE / "additions.graphql"


def described_sdl() -> str:
    """The contract and mailgate's additions to it: what the served schema must match."""
    return CONTRACT.read_text() + "\n" + ADDITIONS.read_text()


def contract_schema() -> GraphQLSchema:
    return build_ast_schema(parse(described_sdl()))


def served_schema(sdl: str) -> GraphQLSchema:
    """The served SDL read back; Federation prints @link without defining it."""
    return build_ast_schema(parse(sdl), assume_valid_sdl=True)


def pending_fields() -> list[str]:
    """``Type.field`` lines that later issues will serve."""
    if not PENDING.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in PENDING.read_text().splitlines())
    return [line for line in lines if line]


def contract_without(pending: list[str]) -> GraphQLSchema:
    """The contract less the pending fields and every type only they reach."""
    document = parse(described_sdl())
    wanted = set(pending)
    definitions = []
    for node in document.definitions:
        if isinstance(node, ObjectTypeDefinitionNode):
            kept = tuple(f for f in node.fields or () if f"{node.name.value}.{f.name.value}" not in wanted)
            if not kept:
                continue
            node = ObjectTypeDefinitionNode(
                name=node.name,
                description=node.description,
                interfaces=node.interfaces,
                directives=node.directives,
                fields=kept,
            )
        definitions.append(node)
    full = build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    return GraphQLSchema(
        query=full.query_type,
        mutation=full.mutation_type,
        subscription=full.subscription_type,
        description=full.description,
    )


def breaking_changes(served: GraphQLSchema, pending: list[str] | None = None) -> list[BreakingChange]:
    """What the served schema breaks of the contract, pending fields set aside."""
    base = contract_without(pending) if pending else contract_schema()
    return list(find_breaking_changes(base, served))


def still_pending(served: GraphQLSchema, pending: list[str]) -> list[str]:
    """Pending lines whose field the served schema already has (the line should go)."""
    present = []
    for line in pending:
        type_name, _, field_name = line.partition(".")
        served_type = served.type_map.get(type_name)
        fields = getattr(served_type, "fields", None) or {}
        if field_name in fields:
            present.append(line)
    return present


def dangerous_changes(served: GraphQLSchema) -> list[str]:
    return [c.description for c in find_dangerous_changes(contract_schema(), served)]
