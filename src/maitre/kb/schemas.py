"""API shapes for knowledge-base articles and search."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.kb.models import ArticleStatus, SourceFormat
from maitre.tickets.schemas import clean_tags, reject_null

LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
MAX_BODY = 200_000


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    language: str | None = Field(
        default=None, pattern=LANGUAGE_PATTERN, description="'en', 'zh', …; guessed when omitted."
    )
    tags: list[str] = Field(default_factory=list, max_length=50)
    status: ArticleStatus = ArticleStatus.PUBLISHED

    _tags = field_validator("tags")(clean_tags)

    @field_validator("tags")
    @classmethod
    def _tag_length(cls, tags: list[str]) -> list[str]:
        if any(len(t) > 60 for t in tags):
            raise ValueError("tags are at most 60 characters")
        return tags


class ArticleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=MAX_BODY)
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    tags: list[str] | None = Field(default=None, max_length=50)
    status: ArticleStatus | None = None

    _tags = field_validator("tags")(clean_tags)
    _not_null = field_validator("title", "body", "language", "tags", "status", mode="before")(
        reject_null
    )

    @field_validator("tags")
    @classmethod
    def _tag_length(cls, tags: list[str] | None) -> list[str] | None:
        if tags and any(len(t) > 60 for t in tags):
            raise ValueError("tags are at most 60 characters")
        return tags


class ArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    language: str
    tags: list[str]
    source_name: str | None
    source_format: SourceFormat
    status: ArticleStatus
    flagged: bool
    flag_reasons: list[str]
    created_at: datetime
    updated_at: datetime


class ArticlePage(BaseModel):
    items: list[ArticleRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class ChunkFlagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ordinal: int
    heading: str
    text: str
    flag_reasons: list[str]


class FlaggedArticleRead(BaseModel):
    """A flagged article with the chunks that tripped the injection rules, for review."""

    article: ArticleRead
    chunks: list[ChunkFlagRead]


class FlagPage(BaseModel):
    items: list[FlaggedArticleRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class SearchHitRead(BaseModel):
    article_id: int
    chunk_id: int
    title: str
    heading: str
    snippet: str
    text: str
    score: float
    confidence: float
    language: str


class SearchResult(BaseModel):
    query: str
    items: list[SearchHitRead]
    confidence: float = Field(description="Confidence of the best hit (0 when nothing matched).")
    answerable: bool = Field(description="Whether the best hit clears kb_min_confidence.")
