"""resolvers/formats/pdf.py: the shipped font shows Cyrillic; HTML printouts escape; long tables page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from resolvers.formats.pdf import BOLD_FONT, FONT_DIR, REGULAR_FONT, table_pdf, thread_html, thread_pdf

pytestmark = pytest.mark.sqlite_only


@dataclass
class Note:
    subject: str
    sender: str
    date: datetime
    body: str


NOTES = [Note("Счёт №5", "Сизый <siz@devr7.ru>", datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "Текст\x00 письма\tи всё.")]


def text_of(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_the_font_and_its_license_ship_with_the_package() -> None:
    assert REGULAR_FONT.stat().st_size > 100_000
    assert BOLD_FONT.stat().st_size > 100_000
    assert "Bitstream" in (FONT_DIR / "LICENSE").read_text()


def test_thread_pdf_shows_cyrillic() -> None:
    data = thread_pdf("Поставка бумаги", [("Id", "supply")], NOTES)
    text = text_of(data)
    assert "Поставка бумаги" in text
    assert "Счёт №5" in text
    assert "Сизый <siz@devr7.ru>" in text
    assert "2026-01-02 03:04 UTC" in text


def test_thread_html_escapes() -> None:
    page = thread_html("<b>x</b>", [("Id", "<i>")], [Note("<script>", "a&b", NOTES[0].date, "<img src=x>")]).decode()
    assert "<script>" not in page and "<img" not in page and "<b>x" not in page
    assert "&lt;script&gt;" in page and "a&amp;b" in page


def test_long_tables_go_over_pages_and_cut_long_cells() -> None:
    rows = [(f"Тред {i} " + "длинное имя " * 20, f"id-{i}", i) for i in range(120)]
    data = table_pdf("Отчёт", ["Thread", "Id", "Messages"], [4, 2, 1], rows, "120 mail threads")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 2
    text = text_of(data)
    assert "Тред 119" in text and "…" in text
    assert text.count("Thread") == len(reader.pages)  # the header on every page
