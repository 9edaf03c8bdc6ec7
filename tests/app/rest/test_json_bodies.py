"""Reading JSON bodies the way clients of the two documents write them."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from app.rest.common import strip_trailing_commas

#: JSON values whose strings are full of the characters the stripping looks at.
TEXT = st.text(alphabet=st.sampled_from(list(',]}"\\ {[:a\u0436\n')), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def with_trailing_commas(value: Any) -> str:
    """``value`` written as the mail_thread document writes it: a comma after every last item."""
    if isinstance(value, dict):
        items = "".join(f"{json.dumps(k)} : {with_trailing_commas(v)},\n" for k, v in value.items())
        return "{\n" + items + "}"
    if isinstance(value, list):
        return "[" + "".join(f"{with_trailing_commas(v)}, " for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@given(VALUES)
def test_trailing_commas_read_as_the_value_they_write(value: Any) -> None:
    assert orjson.loads(strip_trailing_commas(with_trailing_commas(value))) == value


@given(VALUES)
def test_valid_json_is_left_as_it_is(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert strip_trailing_commas(text) == text
