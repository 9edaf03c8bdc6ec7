"""listing indexes: one per sort order of every listing (equality columns, then the ORDER BY)

Revision ID: 0004_listing_indexes
Revises: 0003_generated_files

A folder's listing filters on folder_id alone and already has (folder_id, key, id)
per order. The listing over every folder filters on owner_id: it had an index for
DATE only. Mail threads had one for UPDATED_AT only.
"""

from __future__ import annotations

from alembic import op

revision = "0004_listing_indexes"
down_revision = "0003_generated_files"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_messages_owner_subject", "messages", ["owner_id", "subject_sort", "id"]),
    ("ix_messages_owner_from", "messages", ["owner_id", "from_sort", "id"]),
    ("ix_messages_owner_size", "messages", ["owner_id", "size", "id"]),
    ("ix_mail_threads_created", "mail_threads", ["created_at", "id"]),
    ("ix_mail_threads_name", "mail_threads", ["name_key", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
