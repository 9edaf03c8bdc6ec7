"""full-text search over messages: FTS5 on SQLite, tsvector with GIN on PostgreSQL

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # rowid is the message id; the text is normalized in Python (db.search).
        op.execute(
            "CREATE VIRTUAL TABLE message_search USING fts5("
            "subject, body, people, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        # Weights tell the parts apart: A subject, B body, C sender and recipients.
        op.execute(
            "CREATE TABLE message_search ("
            " message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,"
            " document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_message_search_document ON message_search USING GIN (document)")


def downgrade() -> None:
    op.execute("DROP TABLE message_search")
