"""Clean chat text at the API edge: strip control characters, refuse empty text and binary junk.

Kept: letters, digits, punctuation, symbols, emoji, spaces, newlines and tabs. Removed: the
other C0/C1 control characters, DEL and lone surrogates (which no database stores). A text is
refused when nothing readable remains, or when most of it was unreadable (control characters,
U+FFFD replacement characters, private-use or unassigned code points): that is a binary file
or a broken client, not a customer.
"""

from __future__ import annotations

import unicodedata

_KEEP_CONTROLS = frozenset("\n\t")
_JUNK_CATEGORIES = frozenset({"Co", "Cn", "Cs"})
REPLACEMENT = "\ufffd"


def _is_removed(ch: str) -> bool:
    if ch in _KEEP_CONTROLS:
        return False
    category = unicodedata.category(ch)
    return category == "Cc" or category == "Cs"


def _is_junk(ch: str) -> bool:
    return ch == REPLACEMENT or unicodedata.category(ch) in _JUNK_CATEGORIES


def _is_visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in {"Cf", "Cc", "Zs"}


def clean_text(value: str) -> str:
    """Return ``value`` without control characters; raise ``ValueError`` if unreadable or empty."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    removed = sum(1 for ch in text if _is_removed(ch))
    cleaned = "".join(ch for ch in text if not _is_removed(ch))
    junk = removed + sum(1 for ch in cleaned if _is_junk(ch))
    if text and junk * 2 > len(text):
        raise ValueError("text looks like binary data, not a message")
    cleaned = cleaned.strip()
    if not any(_is_visible(ch) for ch in cleaned):
        raise ValueError("text is empty")
    return cleaned
