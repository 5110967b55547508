"""Knowledge-base endpoints: articles (typed or uploaded), search, and the flag review list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status

from maitre.api.deps import PageDep, SessionDep, SettingsDep, actor_name, require
from maitre.common.ids import IdPath
from maitre.common.pagination import Page
from maitre.errors import FieldError, ValidationFailed
from maitre.kb import service
from maitre.kb.extract import MAX_UPLOAD_BYTES
from maitre.kb.models import ArticleStatus, KbArticle
from maitre.kb.schemas import (
    LANGUAGE_PATTERN,
    ArticleCreate,
    ArticlePage,
    ArticleRead,
    ArticleUpdate,
    ChunkFlagRead,
    FlaggedArticleRead,
    FlagPage,
    SearchHitRead,
    SearchResult,
)
from maitre.runtime_settings import service as runtime_settings
from maitre.users.service import Principal

router = APIRouter(prefix="/kb", tags=["knowledge base"])
Reader = Annotated[Principal, Depends(require("kb:read"))]
Writer = Annotated[Principal, Depends(require("kb:write"))]
Reviewer = Annotated[Principal, Depends(require("kb:review"))]
Language = Annotated[str | None, Query(pattern=LANGUAGE_PATTERN, description="'en', 'zh', …")]
SNIPPET_CHARS = 240


def _page(result: Page[KbArticle]) -> ArticlePage:
    return result.serve(ArticlePage, ArticleRead.model_validate)


@router.get("/articles", response_model=ArticlePage)
def list_articles(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    language: Language = None,
    tag: Annotated[str | None, Query(max_length=60)] = None,
    flagged: bool | None = None,
    status: ArticleStatus | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search title and body.")] = None,
) -> ArticlePage:
    filters = service.ArticleFilter(language=language, tag=tag, flagged=flagged, status=status, q=q)
    return _page(service.list_(session=session, filters=filters, params=page))


@router.post("/articles", response_model=ArticleRead, status_code=status.HTTP_201_CREATED)
def create_article(body: ArticleCreate, session: SessionDep, who: Writer) -> ArticleRead:
    article = service.create(session=session, data=body, actor=actor_name(who))
    return ArticleRead.model_validate(article)


@router.post("/articles/upload", response_model=ArticleRead, status_code=status.HTTP_201_CREATED)
def upload_article(
    session: SessionDep,
    who: Writer,
    file: Annotated[UploadFile, File(description="A .md, .html, .pdf or .txt file.")],
    title: Annotated[str | None, Form(max_length=300)] = None,
    language: Annotated[str | None, Form(pattern=LANGUAGE_PATTERN)] = None,
    tags: Annotated[str | None, Form(max_length=2000, description="Comma-separated.")] = None,
) -> ArticleRead:
    """Create an article from a file; its title comes from the file when not given."""
    content = file.file.read(MAX_UPLOAD_BYTES + 1)
    tag_list = [t.strip() for t in tags.split(",") if t.strip()][:50] if tags else None
    if tag_list and any(len(t) > 60 for t in tag_list):
        raise ValidationFailed(
            "Tags are at most 60 characters.",
            errors=[FieldError(loc=["body", "tags"], msg="tag too long")],
        )
    article = service.import_file(
        session=session,
        filename=file.filename or "upload",
        content=content,
        content_type=file.content_type,
        title=title.strip() if title and title.strip() else None,
        language=language,
        tags=tag_list,
        actor=actor_name(who),
    )
    return ArticleRead.model_validate(article)


@router.get("/articles/{article_id}", response_model=ArticleRead)
def get_article(article_id: IdPath, session: SessionDep, _: Reader) -> ArticleRead:
    return ArticleRead.model_validate(service.get(session=session, article_id=article_id))


@router.get("/articles/{article_id}/chunks", response_model=list[ChunkFlagRead])
def get_article_chunks(article_id: IdPath, session: SessionDep, _: Reader) -> list[ChunkFlagRead]:
    service.get(session=session, article_id=article_id)
    chunks = service.chunks_of(session=session, article_id=article_id)
    return [ChunkFlagRead.model_validate(c) for c in chunks]


@router.patch("/articles/{article_id}", response_model=ArticleRead)
def update_article(
    article_id: IdPath, body: ArticleUpdate, session: SessionDep, who: Writer
) -> ArticleRead:
    article = service.update(
        session=session, article_id=article_id, data=body, actor=actor_name(who)
    )
    return ArticleRead.model_validate(article)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_article(article_id: IdPath, session: SessionDep, who: Writer) -> Response:
    service.delete_(session=session, article_id=article_id, actor=actor_name(who))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/search", response_model=SearchResult)
def search(
    session: SessionDep,
    settings: SettingsDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="The question.")],
    language: Language = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SearchResult:
    """Search published, unflagged articles; ``answerable`` says if the best hit is good enough."""
    hits = service.search(
        session=session, settings=settings, query=q, language=language, limit=limit
    )
    items = [
        SearchHitRead(
            article_id=h.article_id,
            chunk_id=h.chunk_id,
            title=h.title,
            heading=h.heading,
            snippet=h.text if len(h.text) <= SNIPPET_CHARS else h.text[: SNIPPET_CHARS - 1] + "…",
            text=h.text,
            score=h.score,
            confidence=h.confidence,
            language=h.language,
        )
        for h in hits
    ]
    best = max((h.confidence for h in hits), default=0.0)
    floor = runtime_settings.effective(session=session, base=settings).kb_min_confidence
    return SearchResult(query=q, items=items, confidence=best, answerable=best >= floor)


@router.get("/flags", response_model=FlagPage)
def list_flags(session: SessionDep, _: Reviewer, page: PageDep) -> FlagPage:
    """List articles held back for a suspected prompt injection, with the offending chunks."""
    result = service.list_flagged(session=session, params=page)
    items = [
        FlaggedArticleRead(
            article=ArticleRead.model_validate(a),
            chunks=[
                ChunkFlagRead.model_validate(c)
                for c in service.chunks_of(session=session, article_id=a.id)
                if c.flagged
            ],
        )
        for a in result.items
    ]
    return FlagPage(
        items=items,
        total=result.total,
        limit=result.limit,
        offset=result.offset,
        next_cursor=result.next_cursor,
    )
