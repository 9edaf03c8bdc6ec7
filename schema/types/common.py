"""Small shared types: paging, addresses, file links, import results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.links import SignedLink


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: list[str], has_next: bool, has_previous: bool) -> PageInfo:
        return cls(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


@strawberry.type
class Address:
    name: str | None
    address: str

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Address:
        return cls(name=value.get("name"), address=value.get("address") or "")


@strawberry.type
class FileLink:
    url: str
    file_name: str
    mime_type: str
    expires_at: datetime

    @classmethod
    def of(cls, link: SignedLink, file_name: str, mime_type: str) -> FileLink:
        return cls(url=link.url, file_name=file_name, mime_type=mime_type, expires_at=link.expires_at)


@strawberry.type
class DeliveryError:
    recipient: str
    message: str
    at: datetime


@strawberry.type
class TrackingValue:
    field: str
    old_value: str | None
    new_value: str | None


@strawberry.type(name="ImportError")
class ImportErrorEntry:
    row: int = strawberry.field(description="1-based row of the sheet, or message number in an mbox.")
    column: str | None
    message: str


@strawberry.type
class ImportResult:
    created: int
    updated: int
    failed: int
    errors: list[ImportErrorEntry]
    error_report: FileLink | None = strawberry.field(
        description="The failed rows with a column that says why; null when none failed."
    )
    skipped: int = strawberry.field(
        default=0,
        description="Messages not imported because the folder already holds one with the same Message-ID.",
    )
