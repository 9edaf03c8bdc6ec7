"""The tables of mailgate, as SQLModel classes."""

from sqlalchemy import Table
from sqlmodel import SQLModel

from db.models.auth import ApiPermission, AuthToken, LoginFailure, LoginLockout, TokenKind, User
from db.models.changes import Change, ChangeKind
from db.models.conversations import Conversation, ConversationFolder
from db.models.files import Attachment, Blob
from db.models.generated import GeneratedFile
from db.models.jobs import ImportJob
from db.models.mailbox import Folder, FolderRole, Label, MessageLabel
from db.models.messages import (
    DeliveryStatus,
    InviteStatus,
    Message,
    MessageBody,
    MessageKind,
    OutboxEntry,
    SentRequest,
)
from db.models.people import Contact, ContactTerm, Identity
from db.models.threads import Follower, MailThread, TrackingSnapshot


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for the SQLAlchemy Core statements resolvers write."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


__all__ = [
    "ApiPermission",
    "Attachment",
    "AuthToken",
    "Blob",
    "Change",
    "ChangeKind",
    "Contact",
    "ContactTerm",
    "Conversation",
    "ConversationFolder",
    "DeliveryStatus",
    "Folder",
    "FolderRole",
    "Follower",
    "GeneratedFile",
    "Identity",
    "ImportJob",
    "InviteStatus",
    "Label",
    "LoginFailure",
    "LoginLockout",
    "MailThread",
    "Message",
    "MessageBody",
    "MessageKind",
    "MessageLabel",
    "OutboxEntry",
    "SentRequest",
    "TokenKind",
    "TrackingSnapshot",
    "User",
    "table_of",
]
