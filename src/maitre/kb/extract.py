"""Turn an uploaded file (markdown, HTML, PDF, plain text) into an article's title and body.

Nothing here fetches a URL: links in the files stay text. HTML becomes markdown-ish text with
the standard library's parser (headings kept as ``#`` lines so chunking can follow them).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

import yaml

from maitre.errors import FieldError, ValidationFailed
from maitre.kb.models import SourceFormat

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_BODY_CHARS = 200_000
MAX_PDF_PAGES = 200
_SUFFIXES = {
    ".md": SourceFormat.MARKDOWN,
    ".markdown": SourceFormat.MARKDOWN,
    ".html": SourceFormat.HTML,
    ".htm": SourceFormat.HTML,
    ".pdf": SourceFormat.PDF,
    ".txt": SourceFormat.TEXT,
    ".text": SourceFormat.TEXT,
}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass
class Extracted:
    """What a file yields: the body text, a title if the file names one, and front-matter fields."""

    body: str
    format: SourceFormat
    raw: str = ""
    title: str | None = None
    language: str | None = None
    tags: list[str] = field(default_factory=list)


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(loc=["body", "file"], msg=message)])


def format_for(filename: str, content_type: str | None = None) -> SourceFormat:
    """Return the format of a file from its suffix (or content type), or raise 422."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    by_type = {
        "text/markdown": SourceFormat.MARKDOWN,
        "text/html": SourceFormat.HTML,
        "application/pdf": SourceFormat.PDF,
        "text/plain": SourceFormat.TEXT,
    }
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in by_type:
        return by_type[kind]
    raise _bad("Upload a .md, .html, .pdf or .txt file.")


def _decode(content: bytes) -> str:
    for codec in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise _bad("The file is not UTF-8 (or GB18030) text.")


def extract(filename: str, content: bytes, content_type: str | None = None) -> Extracted:
    """Read ``content`` as the file named ``filename`` and return its text."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise _bad("The file is larger than 5 MiB.")
    if not content.strip():
        raise _bad("The file is empty.")
    fmt = format_for(filename, content_type)
    if fmt is SourceFormat.PDF:
        result = Extracted(body=_pdf_text(content), format=fmt)
    else:
        raw = _decode(content)
        if fmt is SourceFormat.HTML:
            title, body = html_to_text(raw)
            result = Extracted(body=body, format=fmt, raw=raw, title=title)
        else:
            result = _markdown(raw, fmt)
    result.body = result.body.strip()[:MAX_BODY_CHARS]
    if not result.body:
        raise _bad("No text could be read from the file.")
    if result.title is None:
        result.title = _first_heading(result.body) or PurePath(filename).stem[:300] or "Untitled"
    return result


def _markdown(raw: str, fmt: SourceFormat) -> Extracted:
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(raw)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict):
            meta = loaded
            raw_body = raw[m.end() :]
        else:
            raw_body = raw
    else:
        raw_body = raw
    tags = meta.get("tags")
    return Extracted(
        body=raw_body,
        format=fmt,
        raw=raw,
        title=str(meta["title"])[:300] if meta.get("title") else None,
        language=str(meta["language"]) if meta.get("language") else None,
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
    )


def _first_heading(body: str) -> str | None:
    m = re.search(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", body, re.MULTILINE)
    return m.group(1)[:300] if m else None


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _bad(f"The PDF cannot be read: {exc}") from exc
    return "\n\n".join(p.strip() for p in pages if p.strip())


class _HtmlText(HTMLParser):
    """Collect visible text; headings become ``#`` lines, blocks become paragraphs."""

    BLOCKS = frozenset(
        {"p", "div", "section", "article", "li", "ul", "ol", "table", "tr", "br", "hr"}
        | {"blockquote", "pre", "dd", "dt", "header", "footer"}
    )
    SKIP = frozenset({"script", "style", "head", "noscript", "template", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: str | None = None
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag != "li" else "\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title and data.strip():
            self.title = (self.title or "") + data.strip()
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(raw: str) -> tuple[str | None, str]:
    """Return the page title (if any) and its text, headings as ``#`` lines."""
    parser = _HtmlText()
    parser.feed(raw)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.splitlines()]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = parser.title[:300] if parser.title else None
    return title, body
