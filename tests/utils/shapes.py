"""Compare an answer with a document's example answer: names, JSON types, nesting."""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def assert_shape(answer: Any, example: Any, *, may_be_null: frozenset[str] = frozenset(), path: str = "$") -> None:
    """``answer`` is shaped like ``example``: every object has exactly the example's keys, and
    every value the example's JSON type. An example null fixes no type. An answer null where
    the example has a value is allowed only at the paths in ``may_be_null`` (fields the
    README names as always null); array items are compared with the example's first item."""
    if example is None:
        return
    if answer is None:
        assert path in may_be_null, f"{path}: null where the document has {json_type(example)}"
        return
    assert json_type(answer) == json_type(example) or {json_type(answer), json_type(example)} == {
        "integer",
        "number",
    }, f"{path}: {json_type(answer)} where the document has {json_type(example)}"
    if isinstance(example, dict):
        missing, extra = sorted(set(example) - set(answer)), sorted(set(answer) - set(example))
        assert not missing and not extra, f"{path}: keys differ: missing {missing}, extra {extra}"
        for key, value in example.items():
            assert_shape(answer[key], value, may_be_null=may_be_null, path=f"{path}.{key}")
    elif isinstance(example, list) and example:
        for item in answer:
            assert_shape(item, example[0], may_be_null=may_be_null, path=f"{path}[]")
