"""Check a JSON value against the part of JSON Schema (2020-12) the OpenAPI document uses:
type (one or a list), properties, required, items, anyOf, const, enum, minimum, maximum."""

from __future__ import annotations

from typing import Any

from tests.utils.shapes import json_type


def _is(value: Any, kind: str) -> bool:
    found = json_type(value)
    return found == kind or (kind == "number" and found == "integer")


def check(value: Any, schema: dict[str, Any], path: str = "$") -> None:
    """AssertionError naming the path where ``value`` breaks ``schema``."""
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        assert any(_is(value, k) for k in kinds), f"{path}: {json_type(value)} is not {kinds}"
    if "const" in schema:
        assert value == schema["const"], f"{path}: {value!r} is not {schema['const']!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} is not one of {schema['enum']}"
    if "minimum" in schema and isinstance(value, (int, float)):
        assert value >= schema["minimum"], f"{path}: {value} < {schema['minimum']}"
    if "maximum" in schema and isinstance(value, (int, float)):
        assert value <= schema["maximum"], f"{path}: {value} > {schema['maximum']}"
    if "anyOf" in schema:
        failures = []
        for option in schema["anyOf"]:
            try:
                check(value, option, path)
                break
            except AssertionError as failure:
                failures.append(str(failure))
        else:
            raise AssertionError(f"{path}: matches no anyOf option: {failures}")
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            assert name in value, f"{path}: {name} is required"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check(value[name], sub, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]")


def answer_schema(document: dict[str, Any], method: str, path: str, status: int = 200) -> dict[str, Any]:
    """The schema the OpenAPI document gives the JSON answer of ``method path``."""
    response = document["paths"][path][method.lower()]["responses"][str(status)]
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema
