"""Reading an mbox (or one .eml) from a binary file, one message at a time.

The file is read in chunks: only the message being collected is held in
memory, and a message larger than ``max_message_bytes`` is not collected at
all (it comes out with ``too_large`` set and no bytes).

Separators: a line that starts with ``From `` is a From_ line when it is the
first line of the file, follows an empty line, or looks like one (``From
sender date`` with a year). Lines starting with ``>From `` (any number of
``>``) lose one ``>`` (mboxrd; mboxo's single ``>From `` reads the same). A
file whose first non-empty line is not a From_ line is one message (.eml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024
MAX_MESSAGE_BYTES = 50 * 1024 * 1024

_FROM_LINE = re.compile(rb"^From \S+\s+.*\b\d{1,2}:\d{2}(:\d{2})?\b.*\b\d{4}\b")
_ESCAPED_FROM = re.compile(rb"^>+From ")


@dataclass(slots=True)
class MboxMessage:
    """One message of the file: its 1-based number and its bytes."""

    number: int
    data: bytes
    too_large: bool = False
    size: int = 0


class MboxReader:
    """Iterates over the messages of ``source``; ``bytes_read`` tells how far it got."""

    def __init__(
        self, source: BinaryIO, *, chunk_size: int = CHUNK_SIZE, max_message_bytes: int = MAX_MESSAGE_BYTES
    ) -> None:
        self.source = source
        self.chunk_size = chunk_size
        self.max_message_bytes = max_message_bytes
        self.bytes_read = 0

    def _lines(self) -> Iterator[bytes]:
        """The file's lines with their endings, read chunk by chunk."""
        pending = b""
        while True:
            chunk = self.source.read(self.chunk_size)
            if not chunk:
                break
            self.bytes_read += len(chunk)
            pending += chunk
            start = 0
            while True:
                end = pending.find(b"\n", start)
                if end < 0:
                    break
                yield pending[start : end + 1]
                start = end + 1
            pending = pending[start:]
            if len(pending) > self.max_message_bytes:
                # One endless line: hand it on in pieces, the message is too large anyway.
                yield pending
                pending = b""
        if pending:
            yield pending

    def __iter__(self) -> Iterator[MboxMessage]:
        lines = self._lines()
        first = b""
        for line in lines:
            if line.strip():
                first = line
                break
        if not first:
            return
        is_mbox = first.startswith(b"From ")
        number = 1
        collector = _Collector(self.max_message_bytes, unescape=is_mbox)
        if not is_mbox:
            collector.add(first)
        previous_blank = True
        for line in lines:
            blank = not line.strip()
            if is_mbox and line.startswith(b"From ") and (previous_blank or _FROM_LINE.match(line)):
                yield collector.finish(number)
                number += 1
                collector = _Collector(self.max_message_bytes, unescape=True)
                previous_blank = False
                continue
            collector.add(line)
            previous_blank = blank
        yield collector.finish(number)


class _Collector:
    __slots__ = ("limit", "lines", "size", "too_large", "unescape")

    def __init__(self, limit: int, *, unescape: bool) -> None:
        self.limit = limit
        self.lines: list[bytes] = []
        self.size = 0
        self.too_large = False
        self.unescape = unescape

    def add(self, line: bytes) -> None:
        if self.unescape and line.startswith(b">") and _ESCAPED_FROM.match(line):
            line = line[1:]
        self.size += len(line)
        if self.too_large:
            return
        if self.size > self.limit:
            self.too_large = True
            self.lines = []
            return
        self.lines.append(line)

    def finish(self, number: int) -> MboxMessage:
        if self.too_large:
            return MboxMessage(number, b"", too_large=True, size=self.size)
        lines = self.lines
        # The empty line that mbox puts before the next From_ line is not the message's.
        if self.unescape and lines and not lines[-1].strip():
            lines = lines[:-1]
        data = b"".join(lines)
        return MboxMessage(number, data, size=len(data))


def read_messages(
    source: BinaryIO, *, chunk_size: int = CHUNK_SIZE, max_message_bytes: int = MAX_MESSAGE_BYTES
) -> Iterator[MboxMessage]:
    """The messages of an mbox or of a single .eml, numbered from 1."""
    return iter(MboxReader(source, chunk_size=chunk_size, max_message_bytes=max_message_bytes))
