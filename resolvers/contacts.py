"""The address book: contacts collected from mail and saved by the user, and autocomplete.

Every message a user sends counts once for each recipient (``times_written``);
every message they receive counts once for its sender (``times_received``).
``store_message`` calls ``collect`` for each arrival, so sends, SMTP, imports
and internal delivery all feed the book. Autocomplete is a prefix range over
``contact_terms`` (each word of the folded name, the folded address and its
local part: see resolvers.search.fold), ranked by how often the user wrote to
the contact, then heard from them, then how recently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, desc, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact, ContactTerm, User, table_of
from db.types import utcnow
from resolvers.errors import BadUserInput, Conflict, not_found, parse_id
from resolvers.search import fold
from resolvers.viewer import Viewer

C = table_of(Contact)
T = table_of(ContactTerm)
U = table_of(User)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
MAX_RESULTS = 50
#: Key in ``session.info``: owner id -> their own address, which is never a contact of theirs.
OWN_ADDRESS = "mailgate.own_address"


@dataclass(slots=True)
class ContactRecord:
    id: int
    name: str | None
    address: str
    saved: bool
    times_written: int
    times_received: int
    last_used_at: datetime | None
    notes: str | None

    @classmethod
    def of(cls, row: Any) -> ContactRecord:
        return cls(
            row["id"],
            row["name"],
            row["address"],
            row["saved"],
            row["times_written"],
            row["times_received"],
            row["last_used_at"],
            row["notes"],
        )


def terms_of(name: str | None, address: str) -> set[str]:
    """What a contact is found by: each word of its name, its address, the address's local part."""
    folded = fold(address.strip())
    words = _NON_WORD.sub(" ", fold(name or "")).split()
    return {w[:512] for w in [*words, folded, folded.split("@", 1)[0]] if w}


def _insert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


async def address_of_owner(session: AsyncSession, owner_id: int) -> str:
    """The owner's address, lowercased; read once per unit of work."""
    known: dict[int, str] = session.info.setdefault(OWN_ADDRESS, {})
    if owner_id not in known:
        email = (await session.execute(select(U.c.email).where(U.c.id == owner_id))).scalar()
        known[owner_id] = (email or "").lower()
    return known[owner_id]


@dataclass(frozen=True, slots=True)
class Sighting:
    """One message's people: (name, address) pairs the owner wrote to and received from, and when."""

    when: datetime
    written: Sequence[tuple[str | None, str]] = ()
    received: Sequence[tuple[str | None, str]] = ()
    #: The address the owner wrote from, when it was not their account's own (an identity).
    own_address: str | None = None


async def collect(
    session: AsyncSession,
    owner_id: int,
    *,
    written: Iterable[tuple[str | None, str]] = (),
    received: Iterable[tuple[str | None, str]] = (),
    when: datetime,
    own_address: str | None = None,
) -> None:
    """Count a message in the owner's book: (name, address) pairs written to and received from."""
    await collect_many(session, owner_id, [Sighting(when, list(written), list(received), own_address)])


async def collect_many(session: AsyncSession, owner_id: int, sightings: Sequence[Sighting]) -> None:
    """Count messages in the owner's book, in order (a batch of arrivals).

    Two statements at most, whatever the number of messages: an upsert of the
    contacts and an insert of their terms.
    """
    account: str | None = None
    counts: dict[str, dict[str, Any]] = {}
    for seen in sightings:
        if seen.own_address is None and account is None:
            account = await address_of_owner(session, owner_id)
        me = fold((seen.own_address or account or "").lower())
        when = seen.when
        for pairs, column in ((seen.written, "times_written"), (seen.received, "times_received")):
            for name, address in pairs:
                key = fold(address.strip())
                if "@" not in key or key == me:
                    continue
                entry = counts.setdefault(
                    key,
                    {
                        "owner_id": owner_id,
                        "name": None,
                        "address": address.strip()[:512],
                        "name_key": "",
                        "address_key": key[:512],
                        "saved": False,
                        "times_written": 0,
                        "times_received": 0,
                        "last_used_at": when,
                        "created_at": when,
                        "updated_at": when,
                    },
                )
                if name and not entry["name"]:
                    entry["name"], entry["name_key"] = name[:512], fold(name)[:512]
                entry[column] += 1
                entry["last_used_at"] = max(entry["last_used_at"], when)
    if not counts:
        return
    insert = _insert(session)(C).values([counts[k] for k in sorted(counts)])
    ex = insert.excluded
    rows = (
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=[C.c.owner_id, C.c.address_key],
                set_={
                    "times_written": C.c.times_written + ex.times_written,
                    "times_received": C.c.times_received + ex.times_received,
                    "last_used_at": func.coalesce(func.max(C.c.last_used_at, ex.last_used_at), ex.last_used_at)
                    if session.get_bind().dialect.name == "sqlite"
                    else func.greatest(C.c.last_used_at, ex.last_used_at),
                    "name": func.coalesce(func.nullif(C.c.name, ""), ex.name),
                    "name_key": func.coalesce(func.nullif(C.c.name_key, ""), ex.name_key),
                },
            ).returning(C.c.id, C.c.name, C.c.address)
        )
    ).all()
    await _add_terms(session, owner_id, [(r.id, r.name, r.address) for r in rows])


async def _add_terms(session: AsyncSession, owner_id: int, contacts: list[tuple[int, str | None, str]]) -> None:
    rows = [
        {"owner_id": owner_id, "term": term, "contact_id": cid}
        for cid, name, address in contacts
        for term in sorted(terms_of(name, address))
    ]
    if rows:
        await session.execute(_insert(session)(T).values(rows).on_conflict_do_nothing())


def _successor(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def search_contacts(
    session: AsyncSession, viewer: Viewer, query: str | None, first: int | None = 10
) -> list[ContactRecord]:
    """Autocomplete: the viewer's contacts a word of whose name or address starts with ``query``."""
    limit = 10 if first is None else first
    if not 1 <= limit <= MAX_RESULTS:
        raise BadUserInput(f"`first` must be between 1 and {MAX_RESULTS}", argument="first")
    words = _NON_WORD.sub(" ", fold(query or "")).split() if "@" not in (query or "") else [fold(query or "").strip()]

    def matching(word: str) -> Any:
        return (
            select(T.c.contact_id)
            .where(T.c.owner_id == viewer.user_id, T.c.term >= word, T.c.term < _successor(word))
            .distinct()
        )

    if words:
        # The first word's matches drive the query (a prefix range over the terms' primary key),
        # each contact then read by its id; further words must match too.
        first_matches = matching(words[0]).subquery()
        statement = select(C).select_from(first_matches.join(C, C.c.id == first_matches.c.contact_id))
        for word in words[1:4]:
            statement = statement.where(C.c.id.in_(matching(word)))
    else:
        statement = select(C).where(C.c.owner_id == viewer.user_id)
    score = C.c.times_written * 3 + C.c.times_received
    statement = statement.order_by(desc(C.c.saved), desc(score), C.c.last_used_at.desc(), C.c.id).limit(limit)
    return [ContactRecord.of(r) for r in (await session.execute(statement)).mappings().all()]


async def _owned(session: AsyncSession, viewer: Viewer, contact_id: str | int) -> dict[str, Any]:
    cid = parse_id(contact_id, "Contact")
    row = (await session.execute(select(C).where(C.c.id == cid, C.c.owner_id == viewer.user_id))).mappings().first()
    if row is None:
        raise not_found("Contact", contact_id)
    return dict(row)


async def get_contact(session: AsyncSession, viewer: Viewer, contact_id: str | int) -> ContactRecord:
    """The viewer's contact; NOT_FOUND for a missing id and for someone else's."""
    return ContactRecord.of(await _owned(session, viewer, contact_id))


def _check(name: str | None, address: str) -> tuple[str | None, str]:
    address = address.strip()
    if "@" not in address or len(address) > 512 or any(c.isspace() for c in address):
        raise BadUserInput("a contact needs an e-mail address", argument="address")
    if name is not None and len(name) > 512:
        raise BadUserInput("a name has at most 512 characters", argument="name")
    return (name.strip() or None) if name is not None else None, address


async def save_contact(
    session: AsyncSession, viewer: Viewer, *, name: str | None, address: str, notes: str | None = None
) -> ContactRecord:
    """Save a contact; one collected from mail with this address becomes saved (CONFLICT if saved already)."""
    name, address = _check(name, address)
    key = fold(address)
    existing = (
        (await session.execute(select(C).where(C.c.owner_id == viewer.user_id, C.c.address_key == key)))
        .mappings()
        .first()
    )
    now = utcnow()
    values = {"name": name, "name_key": fold(name or ""), "saved": True, "notes": notes, "updated_at": now}
    if existing is not None:
        if existing["saved"]:
            raise Conflict(f"{address} is in the address book already")
        cid = existing["id"]
        await session.execute(update(C).where(C.c.id == cid).values(values))
    else:
        cid = (
            await session.execute(
                _insert(session)(C)
                .values(
                    owner_id=viewer.user_id,
                    address=address,
                    address_key=key,
                    times_written=0,
                    times_received=0,
                    created_at=now,
                    **values,
                )
                .returning(C.c.id)
            )
        ).scalar_one()
    await _rewrite_terms(session, viewer.user_id, cid, name, address)
    return await get_contact(session, viewer, cid)


async def _rewrite_terms(session: AsyncSession, owner_id: int, cid: int, name: str | None, address: str) -> None:
    await session.execute(delete(T).where(T.c.contact_id == cid))
    await _add_terms(session, owner_id, [(cid, name, address)])


async def update_contact(
    session: AsyncSession,
    viewer: Viewer,
    contact_id: str | int,
    *,
    name: str | None = None,
    address: str | None = None,
    notes: str | None = None,
) -> ContactRecord:
    """Change a contact's name, address or notes (the ones given); it becomes saved."""
    row = await _owned(session, viewer, contact_id)
    new_name, new_address = _check(name if name is not None else row["name"], address or row["address"])
    key = fold(new_address)
    if key != row["address_key"]:
        clash = (
            await session.execute(select(C.c.id).where(C.c.owner_id == viewer.user_id, C.c.address_key == key))
        ).first()
        if clash is not None:
            raise Conflict(f"{new_address} is in the address book already")
    await session.execute(
        update(C)
        .where(C.c.id == row["id"])
        .values(
            name=new_name,
            name_key=fold(new_name or ""),
            address=new_address,
            address_key=key,
            notes=notes if notes is not None else row["notes"],
            saved=True,
            updated_at=utcnow(),
        )
    )
    await _rewrite_terms(session, viewer.user_id, row["id"], new_name, new_address)
    return await get_contact(session, viewer, row["id"])


async def delete_contact(session: AsyncSession, viewer: Viewer, contact_id: str | int) -> bool:
    """Forget a contact (mail exchanged later collects it again)."""
    row = await _owned(session, viewer, contact_id)
    await session.execute(delete(T).where(T.c.contact_id == row["id"]))
    await session.execute(delete(C).where(C.c.id == row["id"]))
    return True
