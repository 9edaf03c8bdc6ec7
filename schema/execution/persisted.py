"""Persisted documents: Apollo's automatic persisted queries and a trusted-documents list.

APQ (``extensions.persistedQuery = {version: 1, sha256Hash}``): a client first sends
the hash alone; an unknown hash answers PersistedQueryNotFound (code
PERSISTED_QUERY_NOT_FOUND), and the client sends the hash with the text, which
registers it. With a trusted-documents manifest only the listed documents run, by
hash or by text; anything else is refused with FORBIDDEN.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run, with the code a client sees."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def sha256_of(text: str) -> str:
    """The hex SHA-256 of a document's text, as APQ and manifests name documents."""
    return hashlib.sha256(text.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """Trusted documents by id from ``path``: an Apollo persisted query manifest or a {hash: text} map."""
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        if data.get("version") != 1:
            raise ValueError(f"{path}: unsupported manifest version {data.get('version')!r}")
        return {str(op["id"]): str(op["body"]) for op in data.get("operations", [])}
    if isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return dict(data)
    raise ValueError(f"{path}: neither an Apollo persisted query manifest nor a {{hash: query}} map")


class PersistedDocuments:
    """Registered documents by hash (bounded, least recently used out), or a fixed trusted list."""

    def __init__(self, trusted: Mapping[str, str] | None = None, maxsize: int = 4096) -> None:
        self.trusted = dict(trusted) if trusted is not None else None
        self._trusted_texts = frozenset(self.trusted.values()) if self.trusted is not None else frozenset()
        self.maxsize = maxsize
        self._registered: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The text to run for a request's ``query`` and ``extensions``; raises PersistedQueryError."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.trusted is not None and query is not None and query not in self._trusted_texts:
                raise self._not_trusted()
            return query
        digest = self._hash_of(persisted)
        if query is None:
            text = self._lookup(digest)
            if text is None:
                if self.trusted is not None:
                    raise self._not_trusted()
                raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            return text
        if sha256_of(query) != digest:
            raise PersistedQueryError("provided sha does not match query", "BAD_USER_INPUT")
        if self.trusted is not None:
            if query not in self._trusted_texts:
                raise self._not_trusted()
            return query
        self._registered[digest] = query
        self._registered.move_to_end(digest)
        if len(self._registered) > self.maxsize:
            self._registered.popitem(last=False)
        return query

    def _lookup(self, digest: str) -> str | None:
        if self.trusted is not None:
            return self.trusted.get(digest)
        text = self._registered.get(digest)
        if text is not None:
            self._registered.move_to_end(digest)
        return text

    @staticmethod
    def _hash_of(persisted: object) -> str:
        if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
            raise PersistedQueryError("Unsupported persisted query version", "BAD_USER_INPUT")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest.lower()):
            raise PersistedQueryError("persistedQuery.sha256Hash must be 64 hexadecimal digits", "BAD_USER_INPUT")
        return digest.lower()

    @staticmethod
    def _not_trusted() -> PersistedQueryError:
        return PersistedQueryError(
            "this server runs only its trusted documents, and this one is not among them", "FORBIDDEN"
        )
