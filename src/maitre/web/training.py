"""Training pages: intents and examples, CSV import, the review queue, training and versions.

Training itself is queued through the existing API (``POST /api/v1/nlu/train``) by the page's
script, which then polls ``/api/v1/training-runs/{id}``; the pages here only read and label.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from maitre.agent.nlu import service as nlu
from maitre.agent.nlu.models import ReviewStatus
from maitre.api.deps import SessionDep, SettingsDep, actor_name
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.errors import Conflict, ValidationFailed
from maitre.ml import registry, runs
from maitre.ml.models import ModelVersion
from maitre.web.core import Csrf, PageRoute, WebUser, is_htmx, redirect, render, require

router = APIRouter(route_class=PageRoute)
MAX_CSV_BYTES = 1_000_000
MAX_CSV_ROWS = 5_000
Name = Annotated[str, Form(max_length=100)]
ModelName = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_-]+$")]


@router.get("/training", response_class=HTMLResponse)
def intents_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    intent: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    require(user, "nlu:read")
    examples = nlu.list_examples(
        session=session,
        params=PageParams(limit=50, cursor=cursor, sort="-created_at"),
        intent=intent or None,
    )
    return render(
        request,
        "training.html",
        intents=nlu.list_intents(session=session),
        examples=examples,
        query={"intent": intent or ""},
        message=request.query_params.get("message"),
    )


@router.post("/training/examples", response_class=HTMLResponse, dependencies=[Csrf])
def add_example(
    request: Request,
    session: SessionDep,
    user: WebUser,
    intent: Name,
    text: Annotated[str, Form(max_length=2000)],
    language: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require(user, "nlu:write")
    try:
        nlu.create_example(
            session=session,
            intent=intent,
            text=text,
            language=language or None,
            actor=actor_name(user),
        )
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        return redirect(f"/training?message={_q(str(exc))}")
    return redirect("/training?message=added")


def _q(text: str) -> str:
    return quote(text[:300])


@router.post(
    "/training/examples/{example_id}/delete", response_class=HTMLResponse, dependencies=[Csrf]
)
def delete_example(
    request: Request, example_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "nlu:write")
    nlu.delete_example(session=session, example_id=example_id)
    if is_htmx(request):
        return HTMLResponse("")
    return redirect("/training")


@router.post("/training/import", response_class=HTMLResponse, dependencies=[Csrf])
async def import_examples(
    request: Request,
    session: SessionDep,
    user: WebUser,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Add examples from a CSV with columns intent,text[,language]; report what was skipped."""
    require(user, "nlu:write")
    raw = await file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationFailed("The CSV may be at most 1 MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("The CSV must be UTF-8 text.") from exc
    added, skipped = 0, []
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"intent", "text"} <= set(reader.fieldnames):
        raise ValidationFailed("The CSV needs a header row with the columns intent and text.")
    for line, row in enumerate(reader, start=2):
        if line > MAX_CSV_ROWS + 1:
            skipped.append(f"{line}: more than {MAX_CSV_ROWS} rows")
            break
        try:
            with session.begin_nested():
                nlu.create_example(
                    session=session,
                    intent=row.get("intent") or "",
                    text=row.get("text") or "",
                    language=(row.get("language") or "").strip() or None,
                    actor=actor_name(user),
                )
            added += 1
        except (Conflict, ValidationFailed) as exc:
            skipped.append(f"{line}: {exc}")
    return render(request, "training_import.html", added=added, skipped=skipped[:200])


@router.get("/training/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    require(user, "nlu:read")
    page = nlu.list_reviews(
        session=session,
        params=PageParams(limit=25, cursor=cursor, sort="-created_at"),
        status=ReviewStatus.PENDING,
    )
    names = [i.name for i in nlu.list_intents(session=session)]
    return render(request, "review.html", page=page, intents=names, query={})


@router.post("/training/review/{item_id}/label", response_class=HTMLResponse, dependencies=[Csrf])
def label_item(
    request: Request, item_id: IdPath, session: SessionDep, user: WebUser, intent: Name
) -> Response:
    require(user, "nlu:write")
    nlu.label_review(session=session, item_id=item_id, intent=intent, actor=actor_name(user))
    return HTMLResponse("") if is_htmx(request) else redirect("/training/review")


@router.post("/training/review/{item_id}/dismiss", response_class=HTMLResponse, dependencies=[Csrf])
def dismiss_item(request: Request, item_id: IdPath, session: SessionDep, user: WebUser) -> Response:
    require(user, "nlu:write")
    nlu.dismiss_review(session=session, item_id=item_id, actor=actor_name(user))
    return HTMLResponse("") if is_htmx(request) else redirect("/training/review")


@router.get("/training/models", response_class=HTMLResponse)
def models_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    require(user, "models:read")
    versions = registry.list_(session=session)
    by_name: dict[str, list[ModelVersion]] = {}
    for mv in versions:
        by_name.setdefault(mv.name, []).append(mv)
    return render(
        request,
        "models.html",
        by_name=by_name,
        runs=runs.list_(session=session, limit=10),
    )


@router.post("/training/models/{name}/activate", response_class=HTMLResponse, dependencies=[Csrf])
def activate_version(
    request: Request,
    name: ModelName,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    version: Annotated[int, Form(ge=1, le=1_000_000)],
) -> Response:
    require(user, "models:write")
    registry.activate(session=session, models_dir=settings.models_dir, name=name, version=version)
    return redirect("/training/models")


@router.post("/training/models/{name}/rollback", response_class=HTMLResponse, dependencies=[Csrf])
def rollback_version(
    request: Request,
    name: ModelName,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
) -> Response:
    require(user, "models:write")
    registry.rollback(session=session, models_dir=settings.models_dir, name=name)
    return redirect("/training/models")
