"""Subjects without reply and forward prefixes: what threads are named after and conversations join by."""

from __future__ import annotations

import re

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|отв|ответ|пересл|переслано)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+",
    re.IGNORECASE,
)


def thread_name(subject: str) -> str:
    """The subject without reply and forward prefixes (Re:, Fwd:, Отв:, Re[2]: ...)."""
    name = subject.strip()
    while True:
        stripped = _PREFIX.sub("", name)
        if stripped == name:
            break
        name = stripped.strip()
    return (name or "(no subject)")[:1024]
