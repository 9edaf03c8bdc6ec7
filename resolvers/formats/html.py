"""HTML bodies: sanitized with nh3 on the way in, and the plain text derived from them.

What the sanitizer keeps and drops (decided for every HTML body we store, sent
or saved as a draft):

- Dropped: ``<script>`` and ``<style>`` with their content, every tag outside
  nh3's allow-list (``iframe``, ``object``, ``form``, ``meta``, ``base``,
  ``link``, ...), every event handler attribute (``on*``), ``javascript:``,
  ``vbscript:`` and any other URL scheme not listed below, ``data:`` URLs
  except inline images (``<img src="data:image/png;base64,...">``), and CSS
  properties outside a short list of presentational ones (so no
  ``background-image: url(...)``, ``position: fixed`` or ``expression()``).
- Kept: remote images (``<img src="https://...">``). The mail is the author's;
  blocking remote content (tracking pixels) for a *reader* is the display
  client's decision (a "show images" toggle), not something to destroy in the
  sender's copy and in what external recipients get. ``cid:`` images are kept.
- Links get ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "tfoot"}
_ATTRIBUTES: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES.setdefault("*", set()).update({"style", "title", "lang", "dir"})
_ATTRIBUTES["font"] = {"color", "face", "size"}
for _tag in ("table", "td", "th", "tr"):
    _ATTRIBUTES.setdefault(_tag, set()).update({"width", "height", "bgcolor", "valign", "border"})
_ATTRIBUTES["table"].update({"cellpadding", "cellspacing"})
_ATTRIBUTES["a"].add("title")

_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_STYLE_PROPERTIES = {
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "line-height",
    "letter-spacing",
    "white-space",
    "vertical-align",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-radius",
    "width",
    "max-width",
    "min-width",
    "height",
    "display",
    "list-style-type",
}
_DATA_IMAGE = re.compile(r"^\s*data:image/(png|gif|jpeg|jpg|webp);base64,", re.IGNORECASE)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if value.strip().lower().startswith("data:") and not (tag == "img" and attr == "src" and _DATA_IMAGE.match(value)):
        return None
    return value


def sanitize_html(value: str) -> str:
    """``value`` without anything that runs or hides: see the module's docstring."""
    return nh3.clean(
        value,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        filter_style_properties=_STYLE_PROPERTIES,
        strip_comments=True,
    )


_BLOCKS = {
    "p",
    "div",
    "table",
    "tr",
    "ul",
    "ol",
    "dl",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "header",
    "footer",
    "article",
    "section",
    "figure",
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.links: list[str | None] = []
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag in ("p", "blockquote", "table") or tag.startswith("h") else "\n")
            if tag == "pre":
                self.pre += 1
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://")) and self.parts[-1:] != [href]:
                self.parts.append(f" <{href}>")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag in ("p", "blockquote", "table") or tag.startswith("h") else "\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(value: str) -> str:
    """A readable plain-text version of an HTML body (also the body of mail that has only HTML)."""
    parser = _TextExtractor()
    try:
        parser.feed(value)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # HTMLParser is forgiving; this is the last resort
        text = unescape(re.sub(r"<[^>]*>", " ", value))
    lines = [line.strip(" ") for line in text.replace("\xa0", " ").splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
