"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:51:41.517239
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_key_at', ['key', 'at'], unique=False)

    op.create_table('login_lockouts',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('until', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('modseq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email'),
    sa.UniqueConstraint('login')
    )
    op.create_table('auth_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('permissions', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_tokens_session_id'), ['session_id'], unique=False)
        batch_op.create_index('ix_auth_tokens_user_kind', ['user_id', 'kind'], unique=False)

    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('modseq', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('folder_id', sa.Integer(), nullable=True),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_at', ['at'], unique=False)
        batch_op.create_index('uq_changes_owner_modseq', ['owner_id', 'modseq'], unique=True)

    op.create_table('folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('total_count', sa.Integer(), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['folders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('folders', schema=None) as batch_op:
        batch_op.create_index('ix_folders_owner', ['owner_id'], unique=False)
        batch_op.create_index('uq_folders_owner_role', ['owner_id', 'role'], unique=True)

    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('color', sa.String(length=32), nullable=True),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('unread_count', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'name', name='uq_labels_owner_name')
    )
    op.create_table('mail_threads',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=1024), nullable=False),
    sa.Column('name_key', sa.String(length=1024), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mail_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_threads_name_key'), ['name_key'], unique=False)
        batch_op.create_index('ix_mail_threads_updated', ['updated_at', 'id'], unique=False)

    op.create_table('sent_requests',
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('owner_id', 'key')
    )
    op.create_table('followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('since', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['mail_threads.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('thread_id', 'user_id', name='uq_followers_thread_user')
    )
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.create_index('ix_followers_user', ['user_id'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('folder_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.String(length=255), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('preview', sa.String(length=200), nullable=False),
    sa.Column('from_name', sa.String(length=512), nullable=True),
    sa.Column('from_address', sa.String(length=512), nullable=False),
    sa.Column('to_addrs', sa.JSON(), nullable=False),
    sa.Column('cc_addrs', sa.JSON(), nullable=False),
    sa.Column('bcc_addrs', sa.JSON(), nullable=False),
    sa.Column('reply_to_addrs', sa.JSON(), nullable=False),
    sa.Column('from_text', sa.Text(), nullable=False),
    sa.Column('to_text', sa.Text(), nullable=False),
    sa.Column('subject_sort', sa.String(length=255), nullable=False),
    sa.Column('from_sort', sa.String(length=255), nullable=False),
    sa.Column('date', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('was_read', sa.Boolean(), nullable=False),
    sa.Column('important', sa.Boolean(), nullable=False),
    sa.Column('was_replied', sa.Boolean(), nullable=False),
    sa.Column('was_forwarded', sa.Boolean(), nullable=False),
    sa.Column('was_sent', sa.Boolean(), nullable=False),
    sa.Column('is_draft', sa.Boolean(), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('is_auto_submitted', sa.Boolean(), nullable=False),
    sa.Column('is_autogenerated', sa.Boolean(), nullable=False),
    sa.Column('return_receipt_requested', sa.Boolean(), nullable=False),
    sa.Column('read_receipt_requested', sa.Boolean(), nullable=False),
    sa.Column('has_attachments', sa.Boolean(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('message_id_header', sa.String(length=998), nullable=True),
    sa.Column('in_reply_to', sa.String(length=998), nullable=True),
    sa.Column('references', sa.JSON(), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('event_invite_status', sa.String(length=16), nullable=False),
    sa.Column('delivery_status', sa.String(length=16), nullable=False),
    sa.Column('delivery_errors', sa.JSON(), nullable=False),
    sa.Column('tracking_values', sa.JSON(), nullable=False),
    sa.Column('raw_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['folder_id'], ['folders.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raw_sha256'], ['blobs.sha256'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_folder_date', ['folder_id', 'date', 'id'], unique=False)
        batch_op.create_index('ix_messages_folder_from', ['folder_id', 'from_sort', 'id'], unique=False)
        batch_op.create_index('ix_messages_folder_size', ['folder_id', 'size', 'id'], unique=False)
        batch_op.create_index('ix_messages_folder_subject', ['folder_id', 'subject_sort', 'id'], unique=False)
        batch_op.create_index('ix_messages_owner_date', ['owner_id', 'date', 'id'], unique=False)
        batch_op.create_index('ix_messages_owner_inreplyto', ['owner_id', 'in_reply_to'], unique=False)
        batch_op.create_index('ix_messages_owner_msgid', ['owner_id', 'message_id_header'], unique=False)
        batch_op.create_index('ix_messages_owner_thread', ['owner_id', 'thread_id'], unique=False)

    op.create_table('tracking_snapshots',
    sa.Column('thread_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['mail_threads.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id')
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('mail_thread_id', sa.String(length=255), nullable=True),
    sa.Column('blob_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_name', sa.String(length=1024), nullable=False),
    sa.Column('mime_type', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_id', sa.String(length=998), nullable=True),
    sa.Column('is_inline', sa.Boolean(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blob_sha256'], ['blobs.sha256'], ),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index('ix_attachments_blob', ['blob_sha256'], unique=False)
        batch_op.create_index('ix_attachments_message', ['message_id'], unique=False)
        batch_op.create_index('ix_attachments_owner_created', ['owner_id', 'created_at'], unique=False)
        batch_op.create_index('ix_attachments_thread', ['mail_thread_id'], unique=False)

    op.create_table('message_bodies',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id')
    )
    op.create_table('message_labels',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['label_id'], ['labels.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'label_id')
    )
    with op.batch_alter_table('message_labels', schema=None) as batch_op:
        batch_op.create_index('ix_message_labels_label', ['label_id', 'message_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=512), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', 'recipient', name='uq_outbox_message_recipient')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    with op.batch_alter_table('message_labels', schema=None) as batch_op:
        batch_op.drop_index('ix_message_labels_label')

    op.drop_table('message_labels')
    op.drop_table('message_bodies')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_attachments_thread')
        batch_op.drop_index('ix_attachments_owner_created')
        batch_op.drop_index('ix_attachments_message')
        batch_op.drop_index('ix_attachments_blob')

    op.drop_table('attachments')
    op.drop_table('tracking_snapshots')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_owner_thread')
        batch_op.drop_index('ix_messages_owner_msgid')
        batch_op.drop_index('ix_messages_owner_inreplyto')
        batch_op.drop_index('ix_messages_owner_date')
        batch_op.drop_index('ix_messages_folder_subject')
        batch_op.drop_index('ix_messages_folder_size')
        batch_op.drop_index('ix_messages_folder_from')
        batch_op.drop_index('ix_messages_folder_date')

    op.drop_table('messages')
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.drop_index('ix_followers_user')

    op.drop_table('followers')
    op.drop_table('sent_requests')
    with op.batch_alter_table('mail_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_threads_updated')
        batch_op.drop_index(batch_op.f('ix_mail_threads_name_key'))

    op.drop_table('mail_threads')
    op.drop_table('labels')
    op.drop_table('import_jobs')
    with op.batch_alter_table('folders', schema=None) as batch_op:
        batch_op.drop_index('uq_folders_owner_role')
        batch_op.drop_index('ix_folders_owner')

    op.drop_table('folders')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('uq_changes_owner_modseq')
        batch_op.drop_index('ix_changes_at')

    op.drop_table('changes')
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_tokens_user_kind')
        batch_op.drop_index(batch_op.f('ix_auth_tokens_session_id'))

    op.drop_table('auth_tokens')
    op.drop_table('users')
    op.drop_table('login_lockouts')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_at')

    op.drop_table('login_failures')
    op.drop_table('blobs')
