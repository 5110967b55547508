"""Split an article into chunks: by heading, then paragraph, then sentence, with a size cap."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from maitre.kb.text import count_tokens

MAX_TOKENS = 180
OVERLAP_TOKENS = 30
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_TOKEN = re.compile(r"[A-Za-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE = re.compile(r"(?<=[.!?。！？；;])\s*")


@dataclass(frozen=True)
class Chunk:
    """One piece of an article: its section heading, text and size."""

    ordinal: int
    heading: str
    text: str
    token_count: int


def _sections(body: str) -> list[tuple[str, list[str]]]:
    """Return (heading, paragraphs) pairs in order; text before any heading has heading ''."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    lines: list[str] = []

    def close_paragraph() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections[-1][1].append(text)
        lines.clear()

    for line in body.splitlines():
        m = _HEADING.match(line)
        if m:
            close_paragraph()
            sections.append((m.group(2).strip(), []))
        elif not line.strip():
            close_paragraph()
        else:
            lines.append(line.rstrip())
    close_paragraph()
    return [(h, p) for h, p in sections if p]


def _pieces(paragraph: str, cap: int) -> list[str]:
    """Split a paragraph that is over ``cap`` tokens into sentences, hard-cutting long ones."""
    if count_tokens(paragraph) <= cap:
        return [paragraph]
    out: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE.split(paragraph)):
        if not sentence:
            continue
        while count_tokens(sentence) > cap:
            cut = _cut_at(sentence, cap)
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            out.append(sentence)
    return out


def _cut_at(text: str, cap: int) -> int:
    """Return the character offset after ``cap`` tokens."""
    for count, m in enumerate(_TOKEN.finditer(text), 1):
        if count == cap:
            return m.end()
    return len(text)


def chunk(body: str, *, max_tokens: int = MAX_TOKENS, overlap: int = OVERLAP_TOKENS) -> list[Chunk]:
    """Return the chunks of ``body``; a section over ``max_tokens`` is split with ``overlap``."""
    chunks: list[Chunk] = []
    for heading, paragraphs in _sections(body):
        pieces = [(n, p) for n, para in enumerate(paragraphs) for p in _pieces(para, max_tokens)]
        current: list[tuple[int, str]] = []
        size = 0
        for piece in pieces:
            n = count_tokens(piece[1])
            if current and size + n > max_tokens:
                chunks.append(_make(len(chunks), heading, current))
                current, size = _tail(current, overlap)
            current.append(piece)
            size += n
        if current:
            chunks.append(_make(len(chunks), heading, current))
    return chunks


def _tail(pieces: list[tuple[int, str]], overlap: int) -> tuple[list[tuple[int, str]], int]:
    """Return the last pieces of a full chunk (up to ``overlap`` tokens) to start the next one."""
    kept: list[tuple[int, str]] = []
    size = 0
    for piece in reversed(pieces):
        n = count_tokens(piece[1])
        if size + n > overlap:
            break
        kept.insert(0, piece)
        size += n
    return kept, size


def _make(ordinal: int, heading: str, pieces: list[tuple[int, str]]) -> Chunk:
    """Join pieces: sentences of one paragraph with a space, paragraphs with a blank line."""
    text = pieces[0][1]
    for (before, _), (paragraph, piece) in itertools.pairwise(pieces):
        text += (" " if paragraph == before else "\n\n") + piece
    return Chunk(ordinal=ordinal, heading=heading[:300], text=text, token_count=count_tokens(text))
