"""Knowledge-base pages: articles with filters, create/edit/upload, a safe preview, and a
search box that shows what the agent would retrieve (and whether it would answer from it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError

from maitre.api.deps import SessionDep, actor_name, get_settings
from maitre.common.ids import IdPath
from maitre.errors import ValidationFailed
from maitre.kb import service as kb
from maitre.kb.extract import MAX_UPLOAD_BYTES
from maitre.kb.schemas import MAX_BODY, ArticleCreate, ArticleUpdate
from maitre.runtime_settings import service as runtime_settings
from maitre.web.core import Csrf, PageRoute, WebUser, redirect, render, require
from maitre.web.forms import Cursor, Text, Typed, inline_errors, page_params, split_tags
from maitre.web.markdown import render_markdown

router = APIRouter(route_class=PageRoute)
LANGS = ("en", "zh")
FIELDS = ("title", "body", "language", "tags")
Body = Annotated[str, Form(max_length=MAX_BODY + 1000)]


class ArticleForm(BaseModel):
    """The article form as typed; ``ArticleCreate``/``ArticleUpdate`` check it."""

    title: Typed = ""
    body: Annotated[str, Field(max_length=MAX_BODY + 1000)] = ""
    language: Typed = ""
    tags: Typed = ""


Submitted = Annotated[ArticleForm, Form()]


@router.get("/kb", response_class=HTMLResponse)
def kb_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    language: Annotated[str | None, Query(max_length=10)] = None,
    flagged: Annotated[str | None, Query(max_length=5)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    ask: Annotated[str | None, Query(max_length=1000)] = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "kb:read")
    settings = get_settings(request)
    language = language if language in LANGS else None
    only_flagged = True if flagged == "1" else None
    filters = kb.ArticleFilter(language=language, flagged=only_flagged, q=q or None)
    page = kb.list_(session=session, filters=filters, params=page_params(cursor, "title"))
    search = None
    if ask and ask.strip():
        hits = kb.search(session=session, settings=settings, query=ask, language=language)
        best = max((h.confidence for h in hits), default=0.0)
        floor = runtime_settings.effective(session=session, base=settings).kb_min_confidence
        search = {
            "hits": hits,
            "best": best,
            "answerable": best >= floor,
            "threshold": floor,
        }
    query = {"language": language or "", "flagged": "1" if only_flagged else "", "q": q or ""}
    return render(
        request,
        "kb.html",
        page=page,
        query=query,
        ask=ask or "",
        search=search,
        langs=LANGS,
        filtered=any(query.values()),
    )


def _form(
    request: Request,
    *,
    article: Any = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    upload_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if values is None:
        values = {k: "" for k in FIELDS}
        values["language"] = "en"
        if article is not None:
            values = {
                "title": article.title,
                "body": article.body,
                "language": article.language,
                "tags": ", ".join(article.tags),
            }
    return render(
        request,
        "kb_form.html",
        status_code,
        article=article,
        values=values,
        errors=errors or {},
        upload_errors=upload_errors or {},
        langs=LANGS,
        preview=render_markdown(values.get("body", "")) if values.get("body") else None,
    )


@router.get("/kb/new", response_class=HTMLResponse)
def new_article(request: Request, user: WebUser) -> Response:
    require(user, "kb:write")
    return _form(request)


@router.post("/kb/new", response_class=HTMLResponse, dependencies=[Csrf])
def create_article(
    request: Request, session: SessionDep, user: WebUser, form: Submitted
) -> Response:
    require(user, "kb:write")
    try:
        data = ArticleCreate(
            title=form.title,
            body=form.body,
            language=form.language or None,
            tags=split_tags(form.tags),
        )
    except ValidationError as exc:
        return _form(request, values=form.model_dump(), errors=inline_errors(exc), status_code=422)
    article = kb.create(session=session, data=data, actor=actor_name(user))
    return redirect(f"/kb/{article.id}")


@router.post("/kb/upload", response_class=HTMLResponse, dependencies=[Csrf])
def upload_article(
    request: Request,
    session: SessionDep,
    user: WebUser,
    file: Annotated[UploadFile | None, File()] = None,
    language: Text = "",
    tags: Text = "",
) -> Response:
    require(user, "kb:write")
    errors: dict[str, str] = {}
    content = file.file.read(MAX_UPLOAD_BYTES + 1) if file is not None else b""
    if file is None or not file.filename or not content:
        errors["file"] = "kb.file_missing"
    elif language and language not in LANGS:
        errors["language"] = "kb.bad_language"
    if not errors and file is not None:
        try:
            article = kb.import_file(
                session=session,
                filename=file.filename or "upload",
                content=content,
                content_type=file.content_type,
                language=language or None,
                tags=split_tags(tags)[:50] or None,
                actor=actor_name(user),
            )
            return redirect(f"/kb/{article.id}")
        except ValidationFailed as exc:
            errors["file"] = str(exc)
        except ValidationError as exc:
            errors.update(inline_errors(exc))
    session.rollback()
    return _form(request, upload_errors=errors, status_code=422)


@router.post("/kb/preview", response_class=HTMLResponse, dependencies=[Csrf])
def preview(request: Request, user: WebUser, body: Body = "") -> Response:
    """Return the rendered markdown of a form's body (the HTMX preview)."""
    require(user, "kb:read")
    return render(request, "_kb_preview.html", preview=render_markdown(body))


@router.get("/kb/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, article_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "kb:read")
    article = kb.get(session=session, article_id=article_id)
    chunks = kb.chunks_of(session=session, article_id=article_id)
    return render(
        request,
        "kb_article.html",
        article=article,
        flagged_chunks=[c for c in chunks if c.flagged],
        chunk_count=len(chunks),
        preview=render_markdown(article.body),
    )


@router.get("/kb/{article_id}/edit", response_class=HTMLResponse)
def edit_article(
    request: Request, article_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "kb:write")
    return _form(request, article=kb.get(session=session, article_id=article_id))


@router.post("/kb/{article_id}/edit", response_class=HTMLResponse, dependencies=[Csrf])
def update_article(
    request: Request, article_id: IdPath, session: SessionDep, user: WebUser, form: Submitted
) -> Response:
    require(user, "kb:write")
    article = kb.get(session=session, article_id=article_id)
    try:
        data = ArticleUpdate(
            title=form.title,
            body=form.body,
            language=form.language or article.language,
            tags=split_tags(form.tags),
        )
    except ValidationError as exc:
        errors = inline_errors(exc)
        return _form(
            request, article=article, values=form.model_dump(), errors=errors, status_code=422
        )
    kb.update(session=session, article_id=article_id, data=data, actor=actor_name(user))
    return redirect(f"/kb/{article_id}")
