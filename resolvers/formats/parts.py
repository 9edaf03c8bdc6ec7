"""One attachment part, whichever way it travels: parsed from mail, built into mail, or stored.

A parsed or built part carries its bytes (``data``); a part on its way into the
database names its blob by ``blob_sha256`` and its ``size`` (the bytes are in the
blob table already). One type, so a field added here reaches parse, build and store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(slots=True)
class AttachmentPart:
    """A file of a message: name, type, bytes or blob digest, and how the HTML shows it."""

    file_name: str
    mime_type: str
    data: bytes = b""
    content_id: str | None = None
    is_inline: bool = False
    blob_sha256: str | None = None
    #: Bytes in the file; taken from ``data`` when not given.
    size: int = 0

    def __post_init__(self) -> None:
        if not self.size and self.data:
            self.size = len(self.data)

    def with_data(self, data: bytes) -> AttachmentPart:
        """This part with its bytes, read back from the blob it names."""
        return replace(self, data=data, size=len(data))

    def stored_as(self, blob_sha256: str) -> AttachmentPart:
        """This part as stored in blob ``blob_sha256``: the bytes are dropped (the blob has them)."""
        return replace(self, blob_sha256=blob_sha256, size=self.size or len(self.data), data=b"")
