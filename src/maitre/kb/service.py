"""Knowledge-base operations; the only code that queries the article and chunk tables.

Writing an article re-chunks it, scans every chunk (and the raw upload) for prompt injection,
embeds the chunks and stores them; the search index notices the change by its fingerprint.
``search`` is the contract the agent codes against.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, select
from sqlalchemy.orm import Session

from maitre.common.pagination import Page, PageParams, paginate
from maitre.config import Settings
from maitre.db import like
from maitre.db.lookup import get_or_404
from maitre.events import emit
from maitre.kb import embedding, index, retrieval
from maitre.kb.chunking import chunk
from maitre.kb.extract import Extracted, extract
from maitre.kb.models import ArticleStatus, KbArticle, KbChunk, SourceFormat
from maitre.kb.retrieval import KbHit
from maitre.kb.schemas import ArticleCreate, ArticleRead, ArticleUpdate
from maitre.kb.text import is_chinese
from maitre.safety import injection

__all__ = ["KbHit", "search"]

log = logging.getLogger("maitre.kb")
SORTABLE = {
    "id": KbArticle.id,
    "title": KbArticle.title,
    "created_at": KbArticle.created_at,
    "updated_at": KbArticle.updated_at,
}
MAX_QUERY_CHARS = 1000
# How long a write waits for the encoder to finish loading before storing chunks without vectors.
WRITE_WAIT_S = 5.0
# How long a search waits for the encoder while it is still loading (only right after start-up;
# later searches never wait). Waiting keeps results the same whether or not the process is
# fresh; the bound keeps a request from hanging when the machine is slow.
SEARCH_WAIT_S = 8.0


@dataclass(frozen=True)
class ArticleFilter:
    """Filters an article list accepts; ``q`` searches title and body text."""

    language: str | None = None
    tag: str | None = None
    flagged: bool | None = None
    status: ArticleStatus | None = None
    q: str | None = None


def public(article: KbArticle) -> dict[str, Any]:
    """Return the article's API shape as JSON-ready data (for events and webhooks)."""
    data = ArticleRead.model_validate(article).model_dump(mode="json")
    data.pop("body", None)
    return data


def guess_language(text: str) -> str:
    """Return 'zh' for mostly-Chinese text, else 'en'."""
    return "zh" if is_chinese(text) else "en"


def get(*, session: Session, article_id: int) -> KbArticle:
    """Return an article or raise ``NotFound``."""
    return get_or_404(session, KbArticle, article_id, "Article")


def list_(*, session: Session, filters: ArticleFilter, params: PageParams) -> Page[KbArticle]:
    """Return one page of articles matching ``filters``."""
    stmt = select(KbArticle)
    if filters.language:
        stmt = stmt.where(KbArticle.language == filters.language)
    if filters.flagged is not None:
        stmt = stmt.where(KbArticle.flagged.is_(filters.flagged))
    if filters.status is not None:
        stmt = stmt.where(KbArticle.status == filters.status)
    if filters.q:
        stmt = stmt.where(like.matches(KbArticle.title, KbArticle.body, text=filters.q))
    if filters.tag:
        # Tags are a small JSON list; a LIKE on its text keeps this portable (SQLite, JSONB).
        needle = like.escape(filters.tag.replace('"', "").replace("\\", ""))
        stmt = stmt.where(cast(KbArticle.tags, Text).like(f'%"{needle}"%', escape=like.ESCAPE))
    return paginate(session, stmt, id_column=KbArticle.id, params=params, sortable=SORTABLE)


def chunks_of(*, session: Session, article_id: int) -> list[KbChunk]:
    """Return an article's chunks in order."""
    stmt = select(KbChunk).where(KbChunk.article_id == article_id).order_by(KbChunk.ordinal)
    return list(session.scalars(stmt))


def _reindex(session: Session, article: KbArticle, *, raw: str = "") -> None:
    """Replace the article's chunks, scan them for injection, embed them and flag if needed."""
    session.execute(delete(KbChunk).where(KbChunk.article_id == article.id))
    pieces = chunk(article.body)
    article_reasons = set(injection.reasons(article.title))
    if raw:
        article_reasons.update(injection.reasons(raw))
    rows: list[KbChunk] = []
    for piece in pieces:
        found = injection.reasons(piece.text) + injection.reasons(piece.heading)
        rows.append(
            KbChunk(
                article_id=article.id,
                ordinal=piece.ordinal,
                heading=piece.heading,
                text=piece.text,
                token_count=piece.token_count,
                flagged=bool(found),
                flag_reasons=sorted(set(found)),
            )
        )
        article_reasons.update(found)
    vectors = (
        embedding.embed(
            [index.index_text(article.title, r.heading, r.text) for r in rows], wait=WRITE_WAIT_S
        )
        if rows
        else None
    )
    for i, row in enumerate(rows):
        row.embedding = embedding.to_bytes(vectors[i]) if vectors is not None else None
    session.add_all(rows)
    was_flagged = article.flagged
    article.flagged = bool(article_reasons)
    article.flag_reasons = sorted(article_reasons)
    session.flush()
    if article.flagged and (not was_flagged or raw):
        log.warning(
            "kb.article.flagged",
            extra={"article_id": article.id, "reasons": article.flag_reasons},
        )
        emit(session=session, type="kb.article.flagged", data=public(article))


def create(
    *,
    session: Session,
    data: ArticleCreate,
    actor: str = "system",
    source_name: str | None = None,
    source_format: SourceFormat = SourceFormat.MARKDOWN,
    raw: str = "",
) -> KbArticle:
    """Create an article, index it, and return it (flagged if it holds an injection attempt)."""
    article = KbArticle(
        title=data.title,
        body=data.body,
        language=data.language or guess_language(data.body),
        tags=data.tags,
        status=data.status,
        source_name=source_name,
        source_format=source_format,
        flagged=False,
        flag_reasons=[],
    )
    session.add(article)
    session.flush()
    _reindex(session, article, raw=raw)
    log.info("kb.article.created", extra={"article_id": article.id, "actor": actor})
    emit(session=session, type="kb.article.created", data=public(article))
    return article


def update(
    *, session: Session, article_id: int, data: ArticleUpdate, actor: str = "system"
) -> KbArticle:
    """Apply the fields set in ``data``; a new title or body re-indexes the article."""
    article = get(session=session, article_id=article_id)
    values = data.model_dump(exclude_unset=True)
    for key, value in values.items():
        setattr(article, key, value)
    session.flush()
    if "title" in values or "body" in values:
        _reindex(session, article)
    log.info("kb.article.updated", extra={"article_id": article.id, "actor": actor})
    emit(session=session, type="kb.article.updated", data=public(article))
    return article


def delete_(*, session: Session, article_id: int, actor: str = "system") -> None:
    """Delete an article and its chunks."""
    article = get(session=session, article_id=article_id)
    data = public(article)
    session.execute(delete(KbChunk).where(KbChunk.article_id == article_id))
    session.delete(article)
    session.flush()
    log.info("kb.article.deleted", extra={"article_id": article_id, "actor": actor})
    emit(session=session, type="kb.article.deleted", data=data)


def import_file(
    *,
    session: Session,
    filename: str,
    content: bytes,
    content_type: str | None = None,
    title: str | None = None,
    language: str | None = None,
    tags: list[str] | None = None,
    actor: str = "system",
) -> KbArticle:
    """Create an article from an uploaded markdown, HTML, PDF or text file."""
    found: Extracted = extract(filename, content, content_type)
    data = ArticleCreate(
        title=(title or found.title or filename)[:300],
        body=found.body,
        language=language or found.language,
        tags=tags if tags is not None else found.tags,
    )
    return create(
        session=session,
        data=data,
        actor=actor,
        source_name=filename[:255] or None,
        source_format=found.format,
        raw=found.raw,
    )


def upsert_by_source(
    *, session: Session, filename: str, content: bytes, actor: str = "system"
) -> tuple[KbArticle, bool]:
    """Import a file, or replace the article that came from the same file name; say if new."""
    existing = session.scalar(select(KbArticle).where(KbArticle.source_name == filename[:255]))
    if existing is None:
        return import_file(session=session, filename=filename, content=content, actor=actor), True
    found = extract(filename, content)
    existing.body = found.body
    existing.title = (found.title or existing.title)[:300]
    existing.language = found.language or existing.language
    existing.tags = found.tags or existing.tags
    session.flush()
    _reindex(session, existing, raw=found.raw)
    return existing, False


def list_flagged(*, session: Session, params: PageParams) -> Page[KbArticle]:
    """Return one page of flagged articles, for an admin's review."""
    return list_(session=session, filters=ArticleFilter(flagged=True), params=params)


def search(
    *,
    session: Session,
    settings: Settings,
    query: str,
    language: str | None = None,
    limit: int = 5,
) -> list[KbHit]:
    """Return the best chunks for ``query`` (hybrid BM25 + embeddings), best first.

    Flagged chunks are never returned, and each returned text is scanned again, so an
    injection that slipped past indexing (rules added later) is still held back.
    """
    del settings  # part of the contract: the encoder choice may come from settings later
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query or limit < 1:
        return []
    started = time.perf_counter()
    embedding.get_encoder(wait=SEARCH_WAIT_S)
    idx = index.current(session)
    vector = None
    if idx.has_vector.any() and retrieval.needs_vector(query):
        vector = embedding.embed_query(query)  # None (BM25 alone) if the encoder is not loaded
    hits = retrieval.rank(idx, query=query, query_vector=vector, language=language, limit=limit)
    safe = [h for h in hits if injection.detect(h.text) is None]
    log.debug(
        "kb.search",
        extra={"hits": len(safe), "ms": round((time.perf_counter() - started) * 1000, 2)},
    )
    return safe
