"""resolvers/formats/sheets.py: reading by content, CSV formula escaping that round-trips, XLSX text cells."""

from __future__ import annotations

import io

import openpyxl
import pytest

from resolvers.formats.sheets import (
    CSV,
    XLSX,
    SheetError,
    SheetWriter,
    csv_escape,
    csv_unescape,
    read_rows,
    sheet_format,
)

pytestmark = pytest.mark.sqlite_only

TRICKY = ["=1+2", "+7 999", "-5", "@SUM(A1)", "'=x", "''", "'", "'plain", "plain", "", 'Счёт, «кавычки» "x"']


@pytest.mark.parametrize("value", TRICKY)
def test_csv_escaping_round_trips(value: str) -> None:
    escaped = csv_escape(value)
    assert csv_unescape(escaped) == value
    assert not escaped.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_written_sheets_read_back_unchanged(fmt: str) -> None:
    writer = SheetWriter(fmt)
    writer.header(["id", "name"])
    for i, value in enumerate(TRICKY):
        writer.append([str(i), value])
    data = writer.to_bytes()
    assert sheet_format(data[:8]) == fmt
    rows = list(read_rows(io.BytesIO(data)))
    assert rows[0] == ["id", "name"]
    assert [r[1] if len(r) > 1 else "" for r in rows[1:]] == TRICKY


def test_xlsx_formula_like_text_stays_text() -> None:
    writer = SheetWriter(XLSX)
    writer.append(['=HYPERLINK("http://x")', 42, "a\x01b"])
    book = openpyxl.load_workbook(io.BytesIO(writer.to_bytes()))
    sheet = book.worksheets[0]
    assert sheet["A1"].data_type == "s"
    assert sheet["A1"].value == '=HYPERLINK("http://x")'
    assert sheet["B1"].value == 42
    assert sheet["C1"].value == "ab"  # characters XML cannot hold are dropped


def test_csv_delimiter_and_encoding_are_detected() -> None:
    data = ";".join(["имя", "id"]).encode("cp1251") + b"\r\n" + "Тред;1".encode("cp1251") + b"\r\n"
    assert list(read_rows(io.BytesIO(data))) == [["имя", "id"], ["Тред", "1"]]
    data = "\ufeffname\tid\nx\t2\n".encode()
    assert list(read_rows(io.BytesIO(data))) == [["name", "id"], ["x", "2"]]


def test_xlsx_numbers_and_dates_read_as_text() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name"])
    sheet.append([7.0, 1.5])
    out = io.BytesIO()
    book.save(out)
    assert list(read_rows(out)) == [["id", "name"], ["7", "1.5"]]


def test_a_broken_xlsx_is_a_sheet_error() -> None:
    with pytest.raises(SheetError):
        list(read_rows(io.BytesIO(b"PK\x03\x04broken")))
