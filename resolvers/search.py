"""Full-text search behind one function: FTS5 on SQLite, tsvector with GIN on PostgreSQL.

Text is normalized here, not by the database, so both engines see the same
words whatever their locale: casefolded, without diacritics (FTS5's
``remove_diacritics`` would fold e-diaeresis into e on SQLite only), with every
non-word character a space (so ``siz_test@devr7.ru`` is the words siz, test,
devr7, ru).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, literal_column, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_name

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 32


class SearchPart(enum.Enum):
    """Which part of a message a search looks in."""

    ANY = None
    SUBJECT = "subject"
    BODY = "body"
    PEOPLE = "people"


_PG_WEIGHT = {SearchPart.SUBJECT: "A", SearchPart.BODY: "B", SearchPart.PEOPLE: "C"}


def _fold(value: str) -> str:
    """Casefolded, without combining marks: ``Ёлка`` and ``елка`` are one word."""
    folded = value.casefold()
    if folded.isascii():
        # NFKD and NFC leave ASCII as it is, and it has no combining marks: skip the per-character pass.
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def fold(value: str) -> str:
    """The public name of the folding the index uses, for other prefix and key columns."""
    return _fold(value)


def words(value: str) -> list[str]:
    """The normalized words of a text."""
    return [w for w in _NON_WORD.sub(" ", _fold(value)).split() if w]


def document(value: str) -> str:
    """A text as the index stores it."""
    return " ".join(words(value))


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """The searchable parts of one message."""

    message_id: int
    subject: str
    body: str
    people: Iterable[str]


async def index_messages(session: AsyncSession, documents: Sequence[SearchDocument]) -> None:
    """Add (or replace) messages in the search index: one statement per engine step, whatever their number."""
    if not documents:
        return
    rows = [
        {"id": d.message_id, "s": document(d.subject), "b": document(d.body), "p": document(" ".join(d.people))}
        for d in documents
    ]
    if dialect_name(session) == "sqlite":
        await session.execute(text("DELETE FROM message_search WHERE rowid = :id"), [{"id": r["id"]} for r in rows])
        await session.execute(
            text("INSERT INTO message_search(rowid, subject, body, people) VALUES (:id, :s, :b, :p)"), rows
        )
        return
    await session.execute(
        text(
            "INSERT INTO message_search(message_id, document) VALUES (:id,"
            " setweight(to_tsvector('simple', :s), 'A') || setweight(to_tsvector('simple', :b), 'B')"
            " || setweight(to_tsvector('simple', :p), 'C'))"
            " ON CONFLICT (message_id) DO UPDATE SET document = EXCLUDED.document"
        ),
        rows,
    )


async def index_message(
    session: AsyncSession, message_id: int, *, subject: str, body: str, people: Iterable[str]
) -> None:
    """Add (or replace) a message in the search index."""
    await index_messages(session, [SearchDocument(message_id, subject, body, people)])


async def unindex_messages(session: AsyncSession, message_ids: list[int]) -> None:
    """Drop destroyed messages from the index."""
    if not message_ids:
        return
    column = "rowid" if dialect_name(session) == "sqlite" else "message_id"
    await session.execute(
        text(f"DELETE FROM message_search WHERE {column} IN :ids").bindparams(  # noqa: S608
            bindparam("ids", expanding=True)
        ),
        {"ids": message_ids},
    )


def matching_ids(dialect: str, query: str, part: SearchPart, param: str) -> ColumnElement[bool] | None:
    """A SQL condition ``messages.id IN (...)`` for messages where every word of
    ``query`` starts a word of ``part``; None when the query has no words.

    The words are bound as the parameter named ``param``.
    """
    terms = words(query)[:MAX_QUERY_WORDS]
    if not terms:
        return None
    if dialect == "sqlite":
        phrase = " AND ".join(f'"{t}"*' for t in terms)
        if part is not SearchPart.ANY:
            phrase = f"{{{part.value}}} : ({phrase})"
        sub = f"SELECT rowid FROM message_search WHERE message_search MATCH :{param}"  # noqa: S608
    else:
        weight = _PG_WEIGHT.get(part, "")
        phrase = " & ".join(f"'{t}':*{weight}" for t in terms)
        sub = f"SELECT message_id FROM message_search WHERE document @@ to_tsquery('simple', :{param})"  # noqa: S608
    return literal_column("messages.id").in_(text(sub).bindparams(bindparam(param, phrase)))
