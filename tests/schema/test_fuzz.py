"""A property over the served schema: whatever a client sends, it is never a 500.

Hypothesis builds documents over the real schema's root queries and mutations (read
from the schema the app serves, so a new field is fuzzed as soon as it exists), with
arguments of the right shape but hostile values: ids past 32 bits, digits of other
scripts, NUL and other control characters, line breaks, long strings, huge numbers,
deep JSON, and the same values passed as inline literals or as variables. Every answer
must be JSON with a status below 500 and no INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.engine import Database
from tests.utils.factories import deliver, make_label, make_thread, make_user
from tests.utils.graphql import Client

#: Root fields left out: logout would end the fuzzer's own session; uploads need multipart.
SKIPPED = frozenset({"logout", "_entities", "_service"})
EXAMPLES = 60

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x07\x1b[31m",
    "line\r\nBcc: victim@example.org",
    "%",
    "_",
    "'; DROP TABLE messages; --",
    "²",
    "١٢٣",
    "\U0001d7d9\U0001d7da",  # mathematical double-struck 1 and 2
    "\ud7ff\ue000",
    "x" * 5000,
    "Отчёт 🚀",
    "<script>alert(1)</script>",
    "user_test@devr7.ru",
    "a@b",
]
HOSTILE_IDS = ["1", "2", "3", "0", "-1", "2147483647", "2147483648", "9" * 40, "²", "1e3", "0x10", " 1 ", "\x00", ""]
HOSTILE_INTS = [0, 1, -1, 50, 200, 201, 2**31 - 1, -(2**31), 2**31, 2**63, -(2**70)]


def deep_json(depth: int) -> Any:
    value: Any = "leaf\x00"
    for n in range(depth):
        value = [value] if n % 2 else {"k\x00": value}
    return value


def text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))


def value_for(schema_type: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of ``schema_type`` with hostile content (sometimes of the wrong shape too)."""
    nullable = not isinstance(schema_type, GraphQLNonNull)
    inner = schema_type.of_type if isinstance(schema_type, GraphQLNonNull) else schema_type
    strategy: st.SearchStrategy[Any]
    if isinstance(inner, GraphQLList):
        strategy = st.lists(value_for(inner.of_type, depth + 1), max_size=3)
    elif isinstance(inner, GraphQLEnumType):
        strategy = st.sampled_from(sorted(inner.values))
    elif isinstance(inner, GraphQLInputObjectType):
        if depth > 3:
            return st.none()
        fields = {name: value_for(f.type, depth + 1) for name, f in inner.fields.items()}
        required = {n for n, f in inner.fields.items() if isinstance(f.type, GraphQLNonNull)}
        strategy = st.fixed_dictionaries(
            {n: s for n, s in fields.items() if n in required},
            optional={n: s for n, s in fields.items() if n not in required},
        )
    elif isinstance(inner, GraphQLScalarType):
        strategy = {
            "ID": st.sampled_from(HOSTILE_IDS),
            "String": text(),
            "Int": st.sampled_from(HOSTILE_INTS),
            "Float": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -0.0])),
            "Boolean": st.booleans(),
            "DateTime": st.sampled_from(["2025-06-27T12:22:34Z", "9999-12-31T23:59:59+14:00", "0001-01-01", "²"]),
            "JSON": st.one_of(
                st.builds(deep_json, st.sampled_from([1, 10, 60, 100])),
                st.dictionaries(text(), text(), max_size=3),
                text(),
            ),
        }.get(inner.name, text())
    else:
        strategy = text()
    return st.one_of(st.none(), strategy) if nullable else strategy


def literal(value: Any, schema_type: GraphQLInputType) -> str:
    """``value`` as GraphQL literal syntax for ``schema_type`` (enums bare, objects unquoted keys)."""
    named = get_named_type(schema_type)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        inner = schema_type
        while isinstance(inner, GraphQLNonNull):
            inner = inner.of_type
        element = inner.of_type if isinstance(inner, GraphQLList) else inner
        return "[" + ", ".join(literal(v, element) for v in value) + "]"
    if isinstance(named, GraphQLEnumType) and isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(named, GraphQLInputObjectType):
            fields = named.fields
            return "{" + ", ".join(f"{k}: {literal(v, fields[k].type)}" for k, v in value.items()) + "}"
        return json.dumps(json.dumps(value))  # a JSON scalar as a string literal
    return json.dumps(value)


def selection(field: GraphQLField) -> str:
    """A small, valid selection of a field's type: its scalar fields without required arguments."""
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLObjectType):
        return "" if isinstance(named, (GraphQLScalarType, GraphQLEnumType)) else "{ __typename }"
    leaves = [
        name
        for name, f in named.fields.items()
        if isinstance(get_named_type(f.type), (GraphQLScalarType, GraphQLEnumType))
        and not any(isinstance(a.type, GraphQLNonNull) for a in f.args.values())
    ]
    return "{ __typename " + " ".join(leaves[:6]) + " }"


@st.composite
def documents(draw: st.DrawFn, schema: GraphQLSchema) -> tuple[str, dict[str, Any]]:
    """One operation of one to three root fields of one kind, with literals or variables."""
    root = draw(st.sampled_from([schema.query_type, schema.mutation_type]))
    assert root is not None
    names = [
        n
        for n, f in root.fields.items()
        if n not in SKIPPED and not any(get_named_type(a.type).name == "Upload" for a in f.args.values())
    ]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    definitions: list[str] = []
    variables: dict[str, Any] = {}
    fields: list[str] = []
    for i, name in enumerate(chosen):
        field = root.fields[name]
        args: list[str] = []
        for arg_name, arg in field.args.items():
            if not isinstance(arg.type, GraphQLNonNull) and not draw(st.booleans()):
                continue
            value = draw(value_for(arg.type))
            if draw(st.booleans()):
                var = f"v{i}_{arg_name}"
                definitions.append(f"${var}: {arg.type}")
                variables[var] = value
                args.append(f"{arg_name}: ${var}")
            else:
                args.append(f"{arg_name}: {literal(value, arg.type)}")
        call = f"f{i}: {name}" + (f"({', '.join(args)})" if args else "")
        fields.append(f"{call} {selection(field)}")
    kind = "query" if root is schema.query_type else "mutation"
    header = f"{kind}({', '.join(definitions)})" if definitions else kind
    return f"{header} {{ {' '.join(fields)} }}", variables


def assert_answered(response: httpx.Response, document: str, variables: dict[str, Any]) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500], document)
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_SERVER_ERROR" not in codes, (body["errors"], document, str(variables)[:500])


@pytest.fixture
async def signed_in(db: Database, client: Client) -> Client:
    """A mailbox with something in it, so that hostile ids can hit real rows."""
    user = await make_user(db, "user_test")
    other = await make_user(db, "filip_test")
    label = await make_label(db, user, "red")
    await make_thread(db, user, "A thread", key="thread-1", followers=(other.id,))
    for n in range(3):
        await deliver(db, user, subject=f"Hello {n}", label_ids=[label.id])
    await deliver(db, other, subject="Someone else's")
    return await client.login("user_test")


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_no_document_over_the_served_schema_is_a_server_error(
    data: st.DataObject, signed_in: Client, http: httpx.AsyncClient
) -> None:
    schema: GraphQLSchema = http._transport.app.state.schema._schema  # type: ignore[attr-defined]
    document, variables = data.draw(documents(schema))
    response = await signed_in.raw(document, variables)
    assert_answered(response, document, variables)
