"""Tables for knowledge-base articles and their indexed chunks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maitre.db.base import Base, JSONType, TimestampMixin, utcnow


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class SourceFormat(StrEnum):
    """How the article's text arrived (typed in, or an uploaded file's format)."""

    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"
    TEXT = "text"


class KbArticle(TimestampMixin, Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), index=True, default="en")
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source_name: Mapped[str | None] = mapped_column(String(255))
    source_format: Mapped[SourceFormat] = mapped_column(String(20), default=SourceFormat.MARKDOWN)
    status: Mapped[ArticleStatus] = mapped_column(
        String(20), default=ArticleStatus.PUBLISHED, index=True
    )
    # Flagged articles (an injection attempt found in them) are kept out of search until an
    # admin edits them clean; the reasons say which rules fired.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    flag_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)


class KbChunk(Base):
    __tablename__ = "kb_chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # float32 little-endian bytes of the unit-length sentence embedding; NULL when the encoder
    # was unavailable at indexing time (the chunk is then found by BM25 only).
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
