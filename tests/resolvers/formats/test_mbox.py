"""Reading mbox files chunk by chunk, and single .eml files."""

from __future__ import annotations

import io
import tempfile
import tracemalloc

from resolvers.formats.mbox import MboxReader, read_messages
from resolvers.formats.parse import parse_message
from tests.utils import mailbox_files as mf


class CountingFile(io.BytesIO):
    """Remembers every read size, so a test can tell the file is never read whole."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


def test_mbox_messages_are_split_numbered_and_unescaped() -> None:
    body = b"First line\nFrom the start, a line that mbox escapes\n>From an already quoted line\n"
    raws = [mf.message(mf.basic_headers(n), body) for n in (1, 2, 3)]
    data = b"".join(mf.mbox_of(raws))
    assert b"\n>From the start" in data and b"\n>>From an already" in data
    found = list(read_messages(io.BytesIO(data)))
    assert [m.number for m in found] == [1, 2, 3]
    assert [m.data for m in found] == raws
    assert parse_message(found[2].data).message_id == "m3@example.com"


def test_reads_in_chunks_whatever_the_chunk_size() -> None:
    data = mf.mixed_mbox(30)
    source = CountingFile(data)
    reader = MboxReader(source, chunk_size=7)
    found = list(reader)
    assert len(found) == 30
    assert set(source.reads) == {7}
    assert reader.bytes_read == len(data)
    assert [parse_message(m.data).message_id for m in found] == [f"m{n}@example.com" for n in range(1, 31)]


def test_a_single_eml_is_one_message() -> None:
    raw = mf.nested_attachment_message()
    [only] = list(read_messages(io.BytesIO(raw)))
    assert (only.number, only.data) == (1, raw)


def test_from_in_an_eml_body_is_not_a_separator() -> None:
    raw = mf.message(mf.basic_headers(1), b"Hi\n\nFrom me, with love\n")
    [only] = list(read_messages(io.BytesIO(raw)))
    assert only.data == raw


def test_empty_file_has_no_message() -> None:
    assert list(read_messages(io.BytesIO(b""))) == []
    assert list(read_messages(io.BytesIO(b"\n\n"))) == []


def test_too_large_message_is_flagged_and_not_held() -> None:
    small = mf.message(mf.basic_headers(1), "small\n")
    big = mf.message(mf.basic_headers(2), "x" * 5000 + "\n")
    found = list(read_messages(io.BytesIO(b"".join(mf.mbox_of([small, big, small]))), max_message_bytes=2000))
    assert [(m.number, m.too_large) for m in found] == [(1, False), (2, True), (3, False)]
    assert found[1].data == b"" and found[1].size > 2000


def test_crlf_mbox() -> None:
    raws = [mf.message(mf.basic_headers(n), "body\n").replace(b"\n", b"\r\n") for n in (1, 2)]
    data = b"".join(mf.mbox_of(raws)).replace(b"\r\r\n", b"\r\n")
    found = list(read_messages(io.BytesIO(data)))
    assert len(found) == 2
    assert parse_message(found[1].data).message_id == "m2@example.com"


def test_memory_stays_bounded_whatever_the_file_size() -> None:
    body = ("line of mail text " * 4 + "\n") * 60
    with tempfile.TemporaryFile() as source:
        for n in range(1, 3001):
            source.write(b"".join(mf.mbox_of([mf.message(mf.basic_headers(n), body)])))
        size = source.tell()
        source.seek(0)
        tracemalloc.start()
        try:
            count = sum(1 for _ in read_messages(source))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == 3000
    assert size > 10_000_000
    assert peak < 1_000_000, f"peak {peak} bytes for a {size}-byte mbox"
