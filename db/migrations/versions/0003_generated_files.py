"""generated files: import error reports and uploads of background imports

Revision ID: 0003_generated_files
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0003_generated_files"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generated_files",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_generated_files_expires", "generated_files", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_generated_files_expires", table_name="generated_files")
    op.drop_table("generated_files")
