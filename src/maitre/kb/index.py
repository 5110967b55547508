"""The in-process search index: BM25 postings and an embedding matrix, rebuilt when the KB changes.

Every search reads a cheap fingerprint of the chunk and article tables (counts, id sums, the
latest article change, whether the encoder is loaded); while it matches, the cached index is
served, so a query costs one small SQL statement, one query embedding and a few numpy
operations. Vectors live in the chunk table as float32 bytes on both backends and are searched
here by one matrix product (exact cosine). Neither vector extension is usable on the machines
Maitre targets: Python's bundled sqlite3 is often built without extension loading (so
sqlite-vec cannot be loaded), and pgvector is not packaged for the PostgreSQL in use; a
help-centre-sized knowledge base (thousands of chunks) is searched in well under a millisecond
this way anyway.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from maitre.kb import embedding
from maitre.kb.bm25 import Bm25
from maitre.kb.embedding import DIM, from_bytes
from maitre.kb.models import ArticleStatus, KbArticle, KbChunk
from maitre.kb.text import tokens

_cache: dict[str, KbIndex] = {}
_cache_lock = threading.Lock()


@dataclass
class KbIndex:
    """Searchable chunks of published, unflagged articles."""

    fingerprint: tuple[Any, ...]
    chunk_ids: list[int]
    article_ids: list[int]
    titles: list[str]
    headings: list[str]
    texts: list[str]
    languages: list[str]
    vectors: np.ndarray
    has_vector: np.ndarray
    bm25: Bm25

    def __len__(self) -> int:
        return len(self.chunk_ids)


def index_text(title: str, heading: str, text: str) -> str:
    """Return what is indexed for a chunk: its article title and heading give it context."""
    head = f"{title}. {heading}." if heading and heading != title else f"{title}."
    return f"{head}\n{text}"


def fingerprint(session: Session) -> tuple[Any, ...]:
    """Return a value that changes whenever any chunk or article changes."""
    row = session.execute(
        select(
            func.count(KbArticle.id),
            func.max(KbArticle.updated_at),
            select(func.count(KbChunk.id)).scalar_subquery(),
            select(func.coalesce(func.sum(KbChunk.id), 0)).scalar_subquery(),
        )
    ).one()
    url = str(session.get_bind().engine.url)
    return (url, embedding.ready(), int(row[0]), str(row[1]), int(row[2]), int(row[3]))


def build(session: Session, key: tuple[Any, ...]) -> KbIndex:
    """Read every searchable chunk and build the index."""
    stmt = (
        select(
            KbChunk.id,
            KbChunk.article_id,
            KbArticle.title,
            KbChunk.heading,
            KbChunk.text,
            KbArticle.language,
            KbChunk.embedding,
        )
        .join(KbArticle, KbArticle.id == KbChunk.article_id)
        .where(
            KbArticle.status == ArticleStatus.PUBLISHED,
            KbArticle.flagged.is_(False),
            KbChunk.flagged.is_(False),
        )
        .order_by(KbChunk.id)
    )
    rows = session.execute(stmt).all()
    vectors = np.zeros((len(rows), DIM), dtype=np.float32)
    has_vector = np.zeros(len(rows), dtype=bool)
    for i, row in enumerate(rows):
        vec = from_bytes(row.embedding)
        if vec is not None:
            vectors[i] = vec
            has_vector[i] = True
    missing = np.flatnonzero(~has_vector)
    if len(missing) and embedding.ready():
        # Chunks written while the encoder was still loading: embed them here, in memory.
        texts = [
            index_text(rows[int(i)].title, rows[int(i)].heading, rows[int(i)].text) for i in missing
        ]
        fresh = embedding.embed(texts, wait=0)
        if fresh is not None:
            vectors[missing] = fresh
            has_vector[missing] = True
    docs = [tokens(index_text(r.title, r.heading, r.text)) for r in rows]
    return KbIndex(
        fingerprint=key,
        chunk_ids=[r.id for r in rows],
        article_ids=[r.article_id for r in rows],
        titles=[r.title for r in rows],
        headings=[r.heading for r in rows],
        texts=[r.text for r in rows],
        languages=[(r.language or "").split("-")[0].lower() for r in rows],
        vectors=vectors,
        has_vector=has_vector,
        bm25=Bm25().fit(docs),
    )


def current(session: Session) -> KbIndex:
    """Return the index for the session's database, rebuilding it if the KB changed."""
    key = fingerprint(session)
    cached = _cache.get(key[0])
    if cached is not None and cached.fingerprint == key:
        return cached
    with _cache_lock:
        cached = _cache.get(key[0])
        if cached is not None and cached.fingerprint == key:
            return cached
        fresh = build(session, key)
        _cache[key[0]] = fresh
        return fresh


def clear() -> None:
    """Forget every cached index (tests; the fingerprint makes this unnecessary otherwise)."""
    with _cache_lock:
        _cache.clear()
