"""Render knowledge-base markdown for the staff preview, safely.

markdown-it-py with raw HTML off escapes any tag in the source, refuses ``javascript:``-style
link targets, and images are disabled (an article could otherwise make a viewer's browser
fetch a tracking pixel). The output is therefore safe to mark as HTML.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@cache
def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")
    )


def render_markdown(text: str) -> Markup:
    """Return ``text`` (markdown) as HTML with every raw tag escaped."""
    return Markup(_parser().render(text or ""))
