"""The contract's enums."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum
class Permission(enum.Enum):
    CREATE = "CREATE"
    READ = "READ"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


@strawberry.enum
class FolderRole(enum.Enum):
    INBOX = "INBOX"
    SENT = "SENT"
    DRAFTS = "DRAFTS"
    TRASH = "TRASH"
    JUNK = "JUNK"
    ARCHIVE = "ARCHIVE"


@strawberry.enum
class MessageKind(enum.Enum):
    EMAIL = strawberry.enum_value("EMAIL", description="An email, sent or received.")
    COMMENT = strawberry.enum_value("COMMENT", description="A message posted on a mail thread.")
    NOTIFICATION = strawberry.enum_value(
        "NOTIFICATION", description="A notification: a tracking message or one from notify."
    )


@strawberry.enum
class DeliveryStatus(enum.Enum):
    NONE = strawberry.enum_value("NONE", description="Not sent: a draft, or mail that was received.")
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = strawberry.enum_value("FAILED", description="At least one recipient failed; see deliveryErrors.")


@strawberry.enum
class InviteStatus(enum.Enum):
    NONE = "NONE"
    NEEDS_ACTION = "NEEDS_ACTION"
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"


@strawberry.enum
class MessageOrderField(enum.Enum):
    DATE = "DATE"
    SUBJECT = "SUBJECT"
    FROM = "FROM"
    SIZE = "SIZE"


@strawberry.enum
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum
class MailboxEventKind(enum.Enum):
    MESSAGE_CREATED = "MESSAGE_CREATED"
    MESSAGE_UPDATED = "MESSAGE_UPDATED"
    MESSAGE_DESTROYED = "MESSAGE_DESTROYED"
    FOLDER_UPDATED = "FOLDER_UPDATED"


@strawberry.enum
class MailThreadOrderField(enum.Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@strawberry.enum
class SheetFormat(enum.Enum):
    XLSX = "XLSX"
    CSV = "CSV"


@strawberry.enum
class PrintFormat(enum.Enum):
    PDF = "PDF"
    HTML = "HTML"


@strawberry.enum
class ReportFormat(enum.Enum):
    PDF = "PDF"
    XLSX = "XLSX"


@strawberry.enum
class JobStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
