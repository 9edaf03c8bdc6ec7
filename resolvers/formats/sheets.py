"""Spreadsheets in and out, a row at a time: XLSX with openpyxl, CSV with the csv module.

Imports nothing of ours (like the rest of resolvers/formats), so resolvers may use it. Reading tells the
formats apart by content (an XLSX file is a zip: it starts with ``PK``), never by name.

CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab
or a carriage return) are written with a leading apostrophe, and reading takes one
such apostrophe away again, so a CSV export imports back unchanged.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

XLSX = "XLSX"
CSV = "CSV"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
MIME_TYPES = {XLSX: XLSX_MIME, CSV: CSV_MIME}
EXTENSIONS = {XLSX: "xlsx", CSV: "csv"}

#: Bytes kept in memory before a file being written spills to disk.
SPOOL_BYTES = 256 * 1024
CHUNK = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (",", ";", "\t")


class SheetError(ValueError):
    """The file is not a readable XLSX or CSV sheet."""


def sheet_format(head: bytes) -> str:
    """XLSX when the bytes start like a zip file, else CSV."""
    return XLSX if head.startswith(b"PK\x03\x04") else CSV


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: integral numbers without ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def csv_unescape(value: str) -> str:
    """Take away the apostrophe that ``csv_escape`` put before a formula-like cell."""
    if len(value) > 1 and value[0] == "'" and (value[1] in _FORMULA_START or value[1] == "'"):
        return value[1:]
    return value


def csv_escape(value: str) -> str:
    """A cell that no spreadsheet runs as a formula; ``csv_unescape`` gives the value back."""
    if value and (value[0] in _FORMULA_START or (value[0] == "'" and csv_unescape(value) != value)):
        return "'" + value
    return value


def read_rows(file: IO[bytes]) -> Iterator[list[str]]:
    """Every row of the first sheet as text cells, the header row first; SheetError if unreadable."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if sheet_format(head) == XLSX:
        yield from _xlsx_rows(file)
    else:
        yield from _csv_rows(file)


def _xlsx_rows(file: IO[bytes]) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise SheetError("the file is not a readable XLSX workbook") from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        try:
            for row in sheet.iter_rows(values_only=True):
                yield [cell_text(v) for v in row]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SheetError("the XLSX workbook is damaged") from exc
    finally:
        workbook.close()


def _text_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, else Windows-1251."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8-sig"


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(file: IO[bytes]) -> Iterator[list[str]]:
    encoding = _text_encoding(file.read(CHUNK))
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        first = text.readline()
        if not first:
            return
        reader = csv.reader(_chain(first, text), delimiter=_delimiter(first))
        for row in reader:
            yield [csv_unescape(v) for v in row]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise SheetError(f"the CSV file cannot be read: {exc}") from exc
    finally:
        # Leave the caller's file open (the wrapper would close it); it may be closed already.
        with contextlib.suppress(ValueError):
            text.detach()


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


class SheetWriter:
    """Rows into an XLSX (write-only workbook: constant memory) or a UTF-8 CSV with BOM.

    CSV bytes can be taken as they are made (``take``); an XLSX file exists only once
    ``finish`` saved it (to a spooled temporary file).
    """

    def __init__(self, fmt: str, title: str = "Sheet") -> None:
        if fmt not in MIME_TYPES:
            raise ValueError(f"unknown sheet format {fmt!r}")
        self.format = fmt
        self.rows = 0
        if fmt == XLSX:
            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet(title[:31] or "Sheet")
            self._bold = Font(bold=True)
        else:
            self._buffer = io.StringIO()
            self._buffer.write("\ufeff")
            self._csv = csv.writer(self._buffer, lineterminator="\r\n")

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    def header(self, names: Sequence[str]) -> None:
        self.append(names, bold=True)

    def append(self, values: Sequence[Any], *, bold: bool = False) -> None:
        self.rows += 1
        if self.format == CSV:
            self._csv.writerow([csv_escape(cell_text(v)) for v in values])
            return
        cells = []
        for value in values:
            cell = WriteOnlyCell(self._sheet)
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
            else:
                # Set as text explicitly: openpyxl would take a string starting with "=" for a formula.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))
                cell.data_type = "s"
            if bold:
                cell.font = self._bold
            cells.append(cell)
        self._sheet.append(cells)

    def take(self) -> bytes:
        """The CSV bytes made since the last call (nothing for XLSX, which comes at the end)."""
        if self.format != CSV:
            return b""
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        return data

    def finish(self) -> IO[bytes]:
        """The whole file, rewound; the caller closes it."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the caller
        if self.format == CSV:
            spool.write(self.take())
        else:
            self._workbook.save(spool)
        spool.seek(0)
        return spool

    def to_bytes(self) -> bytes:
        with self.finish() as file:
            return file.read()


def file_chunks(file: IO[bytes], chunk: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end."""
    with file:
        while data := file.read(chunk):
            yield data
