"""what a mail client is built on: conversations, contacts, identities, invitations

Creates conversations (with their per-folder rows), contacts and identities;
adds messages.conversation_id, messages.invite and changes.conversation_id;
and gives every stored message a conversation and every user an address book
collected from the mail they already have.

The backfill is frozen here on purpose (a migration must do tomorrow what it
does today, whatever resolvers/ becomes): messages are joined by Message-ID
to the ones they answer or reference, by MailThread, and, for mail without
reply headers, by normalized subject within seven days, as
resolvers/conversation_assign.py does for arriving mail.

Revision ID: 0005_client
Revises: 0004_listing_indexes
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0005_client"
down_revision = "0004_listing_indexes"
branch_labels = None
depends_on = None

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|отв|ответ|пересл|переслано)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE
)
WINDOW = timedelta(days=7)
UTC = db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("subject_key", sa.String(length=255), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("unread_count", sa.Integer(), nullable=False),
        sa.Column("important_count", sa.Integer(), nullable=False),
        sa.Column("attachment_count", sa.Integer(), nullable=False),
        sa.Column("latest_message_id", sa.Integer(), nullable=True),
        sa.Column("last_date", UTC, nullable=False),
        sa.Column("snippet", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conversations_owner_date", "conversations", ["owner_id", "last_date", "id"])
    op.create_index("ix_conversations_owner_subject", "conversations", ["owner_id", "subject_key", "last_date"])
    op.create_table(
        "conversation_folders",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("folder_id", sa.Integer(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("unread_count", sa.Integer(), nullable=False),
        sa.Column("last_date", UTC, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["folder_id"], ["folders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "folder_id"),
    )
    op.create_index(
        "ix_conversation_folders_listing", "conversation_folders", ["folder_id", "last_date", "conversation_id"]
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=True),
        sa.Column("address", sa.String(length=512), nullable=False),
        sa.Column("name_key", sa.String(length=512), nullable=False),
        sa.Column("address_key", sa.String(length=512), nullable=False),
        sa.Column("saved", sa.Boolean(), nullable=False),
        sa.Column("times_written", sa.Integer(), nullable=False),
        sa.Column("times_received", sa.Integer(), nullable=False),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner_id", "address_key", name="uq_contacts_owner_address"),
    )
    op.create_index("ix_contacts_owner_rank", "contacts", ["owner_id", "times_written", "last_used_at"])
    op.create_table(
        "contact_terms",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=512), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("owner_id", "term", "contact_id"),
    )
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("address", sa.String(length=512), nullable=False),
        sa.Column("reply_to", sa.String(length=512), nullable=True),
        sa.Column("bcc", sa.String(length=512), nullable=True),
        sa.Column("text_signature", sa.Text(), nullable=False),
        sa.Column("html_signature", sa.Text(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_identities_owner", "identities", ["owner_id"])
    op.add_column("messages", sa.Column("conversation_id", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("invite", sa.JSON(), nullable=True))
    op.add_column("messages", sa.Column("invite_uid", sa.String(length=255), nullable=True))
    op.add_column("changes", sa.Column("conversation_id", sa.Integer(), nullable=True))
    op.create_index("ix_messages_conversation", "messages", ["conversation_id", "date"])
    op.create_index("ix_messages_owner_invite", "messages", ["owner_id", "invite_uid"])
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_messages_owner_invite", table_name="messages")
    op.drop_index("ix_messages_conversation", table_name="messages")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("conversation_id")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("invite_uid")
        batch.drop_column("invite")
        batch.drop_column("conversation_id")
    for table in ("identities", "contact_terms", "contacts", "conversation_folders", "conversations"):
        op.drop_table(table)


# ---------------------------------------------------------------------------
# Backfill
# ---------------------------------------------------------------------------

_messages = sa.table(
    "messages",
    sa.column("id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("folder_id", sa.Integer),
    sa.column("thread_id", sa.String),
    sa.column("conversation_id", sa.Integer),
    sa.column("subject", sa.Text),
    sa.column("preview", sa.String),
    sa.column("from_name", sa.String),
    sa.column("from_address", sa.String),
    sa.column("to_addrs", sa.JSON),
    sa.column("cc_addrs", sa.JSON),
    sa.column("bcc_addrs", sa.JSON),
    sa.column("date", UTC),
    sa.column("was_read", sa.Boolean),
    sa.column("important", sa.Boolean),
    sa.column("was_sent", sa.Boolean),
    sa.column("is_draft", sa.Boolean),
    sa.column("has_attachments", sa.Boolean),
    sa.column("message_id_header", sa.String),
    sa.column("in_reply_to", sa.String),
    sa.column("references", sa.JSON),
)
_conversations = sa.table(
    "conversations",
    *(
        sa.column(n, t)
        for n, t in (
            ("id", sa.Integer),
            ("owner_id", sa.Integer),
            ("subject", sa.Text),
            ("subject_key", sa.String),
            ("message_count", sa.Integer),
            ("unread_count", sa.Integer),
            ("important_count", sa.Integer),
            ("attachment_count", sa.Integer),
            ("latest_message_id", sa.Integer),
            ("last_date", UTC),
            ("snippet", sa.String),
            ("participants", sa.JSON),
            ("updated_at", UTC),
        )
    ),
)
_conversation_folders = sa.table(
    "conversation_folders",
    sa.column("conversation_id", sa.Integer),
    sa.column("folder_id", sa.Integer),
    sa.column("message_count", sa.Integer),
    sa.column("unread_count", sa.Integer),
    sa.column("last_date", UTC),
)
_users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
_terms = sa.table(
    "contact_terms", sa.column("owner_id", sa.Integer), sa.column("term", sa.String), sa.column("contact_id", sa.Integer)
)
_contacts = sa.table(
    "contacts",
    *(
        sa.column(n, t)
        for n, t in (
            ("id", sa.Integer),
            ("owner_id", sa.Integer),
            ("name", sa.String),
            ("address", sa.String),
            ("name_key", sa.String),
            ("address_key", sa.String),
            ("saved", sa.Boolean),
            ("times_written", sa.Integer),
            ("times_received", sa.Integer),
            ("last_used_at", UTC),
            ("created_at", UTC),
            ("updated_at", UTC),
        )
    ),
)


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _name(subject: str) -> str:
    name = subject.strip()
    while (stripped := _PREFIX.sub("", name)) != name:
        name = stripped.strip()
    return name[:1024]


def _key(subject: str) -> str:
    return " ".join(_fold(_name(subject)).split())[:255]


class _Groups:
    """Union-find over message ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _group(rows: list[Any]) -> dict[int, list[Any]]:
    """Messages of one owner (date order) -> groups keyed by their first message id."""
    groups = _Groups()
    by_header: dict[str, int] = {}
    by_thread: dict[str, int] = {}
    for r in rows:
        if r.message_id_header:
            if r.message_id_header in by_header:
                groups.join(r.id, by_header[r.message_id_header])
            by_header.setdefault(r.message_id_header, r.id)
        if r.thread_id:
            groups.join(r.id, by_thread.setdefault(r.thread_id, r.id))
    last_by_subject: dict[str, Any] = {}
    for r in rows:
        for header in [r.in_reply_to, *(r.references or [])]:
            if header and header in by_header:
                groups.join(r.id, by_header[header])
        key = _key(r.subject or "")
        if key and not r.in_reply_to and not r.references:
            earlier = last_by_subject.get(key)
            if earlier is not None and r.date - earlier.date <= WINDOW:
                groups.join(r.id, earlier.id)
        if key:
            last_by_subject[key] = r
    out: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        out[groups.find(r.id)].append(r)
    return out


def _backfill(bind: sa.engine.Connection) -> None:
    owners = [r[0] for r in bind.execute(sa.select(_messages.c.owner_id).distinct())]
    for owner in sorted(owners):
        rows = list(
            bind.execute(
                sa.select(_messages).where(_messages.c.owner_id == owner).order_by(_messages.c.date, _messages.c.id)
            )
        )
        _backfill_conversations(bind, owner, rows)
        _backfill_contacts(bind, owner, rows)


def _backfill_conversations(bind: sa.engine.Connection, owner: int, rows: list[Any]) -> None:
    now = db.types.utcnow()
    assigned: list[dict[str, int]] = []
    for members in _group(rows).values():
        latest = members[-1]
        participants: list[dict[str, Any]] = []
        for m in members:
            if m.from_address and all(p["address"].lower() != m.from_address.lower() for p in participants):
                participants.append({"name": m.from_name, "address": m.from_address})
        cid = bind.execute(
            sa.insert(_conversations)
            .values(
                owner_id=owner,
                subject=_name(members[0].subject or "") or "(no subject)",
                subject_key=_key(members[0].subject or ""),
                message_count=len(members),
                unread_count=sum(not m.was_read for m in members),
                important_count=sum(bool(m.important) for m in members),
                attachment_count=sum(bool(m.has_attachments) for m in members),
                latest_message_id=latest.id,
                last_date=latest.date,
                snippet=latest.preview or "",
                participants=participants[:20],
                updated_at=now,
            )
            .returning(_conversations.c.id)
        ).scalar_one()
        folders: dict[int, list[Any]] = {}
        for m in members:
            f = folders.setdefault(m.folder_id, [0, 0, m.date])
            f[0] += 1
            f[1] += 0 if m.was_read else 1
            f[2] = max(f[2], m.date)
        bind.execute(
            sa.insert(_conversation_folders),
            [
                {"conversation_id": cid, "folder_id": fid, "message_count": n, "unread_count": u, "last_date": d}
                for fid, (n, u, d) in sorted(folders.items())
            ],
        )
        assigned.extend({"mid": m.id, "cid": cid} for m in members)
    if assigned:
        bind.execute(
            sa.update(_messages).where(_messages.c.id == sa.bindparam("mid")).values(conversation_id=sa.bindparam("cid")),
            assigned,
        )


def _terms_of(name: str | None, address: str) -> set[str]:
    folded = _fold(address)
    words = re.sub(r"[\W_]+", " ", _fold(name or "")).split()
    return {w[:512] for w in [*words, folded, folded.split("@", 1)[0]] if w}


def _backfill_contacts(bind: sa.engine.Connection, owner: int, rows: list[Any]) -> None:
    book: dict[str, dict[str, Any]] = {}
    me = (bind.execute(sa.select(_users.c.email).where(_users.c.id == owner)).scalar() or "").lower()

    def seen(name: str | None, address: str | None, when: Any, written: int, received: int) -> None:
        if not address or "@" not in address or address.lower() == me:
            return
        entry = book.setdefault(
            address.lower(),
            {"name": None, "address": address, "times_written": 0, "times_received": 0, "last_used_at": when},
        )
        entry["name"] = name or entry["name"]
        entry["times_written"] += written
        entry["times_received"] += received
        entry["last_used_at"] = max(entry["last_used_at"], when)

    for r in rows:
        if r.is_draft:
            continue
        if r.was_sent:
            for a in (r.to_addrs or []) + (r.cc_addrs or []) + (r.bcc_addrs or []):
                seen(a.get("name"), a.get("address"), r.date, 1, 0)
        else:
            seen(r.from_name, r.from_address, r.date, 0, 1)
    if not book:
        return
    now = db.types.utcnow()
    for _, e in sorted(book.items()):
        contact_id = bind.execute(
            sa.insert(_contacts)
            .values(
                owner_id=owner,
                **e,
                name_key=_fold(e["name"] or ""),
                address_key=_fold(e["address"]),
                saved=False,
                created_at=now,
                updated_at=now,
            )
            .returning(_contacts.c.id)
        ).scalar_one()
        bind.execute(
            sa.insert(_terms),
            [{"owner_id": owner, "term": t, "contact_id": contact_id} for t in sorted(_terms_of(e["name"], e["address"]))],
        )
