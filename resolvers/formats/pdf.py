"""Printouts: a mail thread as PDF or HTML, and the thread report as PDF.

PDFs use the DejaVu Sans TTF shipped in resolvers/formats/fonts (Cyrillic and most of Unicode's
European scripts), so they never depend on fonts installed on the machine. HTML is
a plain standalone page in which every value is escaped. Imports nothing of ours.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR_FONT = FONT_DIR / "DejaVuSans.ttf"
BOLD_FONT = FONT_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVuSans"
PDF_MIME = "application/pdf"
HTML_MIME = "text/html; charset=utf-8"

# Characters a PDF text line cannot show: control characters but tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class PrintedMessage(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def date(self) -> datetime: ...
    @property
    def body(self) -> str: ...


def clean(text: str | None) -> str:
    """Text that a PDF line can hold: no control characters, tabs as spaces."""
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).replace("\t", "    ")


def when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


class _Document(FPDF):
    def __init__(self, title: str, orientation: str = "portrait") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font(FAMILY, "", REGULAR_FONT)
        self.add_font(FAMILY, "B", BOLD_FONT)
        self.set_title(clean(title)[:200])
        self.set_creator("mailgate")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 6, f"{self.page_no()}/{{nb}}", align="C")

    def paragraph(self, text: str, size: float = 10, style: str = "", height: float = 5) -> None:
        self.set_font(FAMILY, style, size)
        self.multi_cell(0, height, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def render(self) -> bytes:
        return bytes(self.output())


def thread_pdf(name: str, details: Sequence[tuple[str, str]], messages: Iterable[PrintedMessage]) -> bytes:
    """A thread's printout: its name, a few details, then each message (subject, from, date, body)."""
    pdf = _Document(name or "Mail thread")
    pdf.paragraph(name or "(no name)", size=16, style="B", height=8)
    for label, value in details:
        pdf.paragraph(f"{label}: {value}", size=9)
    count = 0
    for message in messages:
        count += 1
        pdf.ln(4)
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
        pdf.paragraph(message.subject or "(no subject)", size=12, style="B", height=6)
        pdf.paragraph(f"From: {message.sender}", size=9)
        pdf.paragraph(f"Date: {when(message.date)}", size=9)
        pdf.ln(1)
        pdf.paragraph(message.body or "", size=10)
    if count == 0:
        pdf.ln(4)
        pdf.paragraph("No messages.", size=10)
    return pdf.render()


def thread_html(name: str, details: Sequence[tuple[str, str]], messages: Iterable[PrintedMessage]) -> bytes:
    """The same printout as a standalone HTML page; every value is escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{e(name or 'Mail thread')}</title>",
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em}"
        "article{border-top:1px solid #bbb;padding:.5em 0}.meta{color:#555;font-size:.9em}"
        "pre{white-space:pre-wrap;font-family:inherit}</style>",
        "</head><body>",
        f"<h1>{e(name or '(no name)')}</h1>",
        '<p class="meta">' + "<br>".join(f"{e(label)}: {e(value)}" for label, value in details) + "</p>",
    ]
    count = 0
    for message in messages:
        count += 1
        parts += [
            "<article>",
            f"<h2>{e(message.subject or '(no subject)')}</h2>",
            f'<p class="meta">From: {e(message.sender)}<br>Date: {e(when(message.date))}</p>',
            f"<pre>{e(message.body or '')}</pre>",
            "</article>",
        ]
    if count == 0:
        parts.append("<p>No messages.</p>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


class _Widths:
    """Text widths from a per-character cache: fpdf's own measuring is slow for long tables."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._cache: dict[tuple[str, str], float] = {}

    def of(self, text: str, style: str) -> float:
        total = 0.0
        for ch in text:
            width = self._cache.get((ch, style))
            if width is None:
                width = self._cache[(ch, style)] = self.pdf.get_string_width(ch)
            total += width
        return total

    def fit(self, text: str, width: float, style: str) -> str:
        """The text, cut with an ellipsis so that it fits ``width`` mm."""
        text = clean(text).replace("\n", " ")
        if self.of(text, style) <= width:
            return text
        limit = width - self.of("…", style)
        used = 0.0
        for i, ch in enumerate(text):
            used += self.of(ch, style)
            if used > limit:
                return text[:i] + "…"
        return text


def table_pdf(
    title: str, headers: Sequence[str], widths: Sequence[float], rows: Iterable[Sequence[object]], note: str = ""
) -> bytes:
    """A landscape table with a title; ``widths`` are relative column widths, long cells are cut."""
    pdf = _Document(title, orientation="landscape")
    pdf.paragraph(title, size=14, style="B", height=8)
    if note:
        pdf.paragraph(note, size=9)
    pdf.ln(2)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    columns = [usable * w / sum(widths) for w in widths]
    measure = _Widths(pdf)
    height = 6.0

    def line(values: Sequence[object], style: str = "") -> None:
        pdf.set_font(FAMILY, style, 9)
        x, y = pdf.l_margin, pdf.get_y()
        for value, width in zip(values, columns, strict=True):
            text = measure.fit(str(value), width - 2, style)
            if isinstance(value, int | float):
                pdf.text(x + width - 1 - measure.of(text, style), y + 4.2, text)
            else:
                pdf.text(x + 1, y + 4.2, text)
            x += width
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + usable, y + height)
        pdf.set_y(y + height)

    line(headers, "B")
    for values in rows:
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            line(headers, "B")
        line(values)
    return pdf.render()
