"""Customer pages: the list, the 360 view, the edit form and notes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from maitre.api.deps import SessionDep, actor_name, get_settings
from maitre.common.ids import IdPath
from maitre.customers import service as customers
from maitre.customers.schemas import CustomerUpdate
from maitre.errors import Conflict, ValidationFailed
from maitre.notes import service as notes
from maitre.notes.schemas import NoteCreate
from maitre.timeline import view as timeline_view
from maitre.web import insights
from maitre.web.core import Csrf, PageRoute, WebUser, is_htmx, redirect, render, require
from maitre.web.forms import (
    Cursor,
    Search,
    Typed,
    inline_errors,
    page_params,
    pick,
    refused,
    split_tags,
)

router = APIRouter(route_class=PageRoute)
SORTS = ("-created_at", "created_at", "name", "-name", "-updated_at")
EDITABLE = ("name", "email", "phone", "company", "language", "country", "address")


class CustomerForm(BaseModel):
    """The edit form as typed (all text); ``CustomerUpdate`` checks it."""

    name: Typed = ""
    email: Typed = ""
    phone: Typed = ""
    company: Typed = ""
    language: Typed = ""
    country: Typed = ""
    address: Typed = ""
    tags: Typed = ""


@router.get("/customers", response_class=HTMLResponse)
def customer_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Search = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    segment: Annotated[str | None, Query(max_length=40)] = None,
    risk_text: Annotated[str | None, Query(alias="risk", max_length=10)] = None,
    sort: Annotated[str, Query(max_length=40)] = "-created_at",
    cursor: Cursor = None,
) -> Response:
    require(user, "customers:read")
    risk = _fraction(risk_text)
    sort = pick(sort, SORTS)
    segment = segment if segment in insights.SEGMENTS else None
    ids: frozenset[int] | None = None
    if segment:
        ids = insights.segment_members(session=session, segment=segment)
    if risk is not None:
        risky = insights.risk_members(session=session, minimum=risk)
        if risky is not None:
            ids = risky if ids is None else ids & risky
    filters = customers.CustomerFilter(
        q=q or None, language=language or None, tag=tag or None, ids=ids
    )
    page = customers.list_(session=session, filters=filters, params=page_params(cursor, sort))
    scores = insights.scores_for(session=session, ids=[c.id for c in page.items])
    query = {"q": q or "", "language": language or "", "tag": tag or "", "segment": segment or ""}
    if risk is not None:
        query["risk"] = str(risk)
    return render(
        request,
        "customers.html",
        page=page,
        query=query,
        sort=sort,
        sorts=SORTS,
        segments=insights.SEGMENTS,
        scored=insights.scores_available(session),
        scores=scores,
        risk=risk,
        filtered=any(query.values()),
    )


def _fraction(text: str | None) -> float | None:
    """Read an optional 0..1 threshold from the query string; anything else means no filter."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and 0.0 <= value <= 1.0 else None


def _customer_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    customer_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    view = timeline_view.customer_360(session=session, customer_id=customer_id)
    settings = get_settings(request)
    found = insights.for_customer(session=session, settings=settings, customer_id=customer_id)
    return render(request, "customer.html", status_code, view=view, insights=found, **extra)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, customer_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "customers:read")
    return _customer_page(request, session, user, customer_id)


@router.post("/customers/{customer_id}/notes", response_class=HTMLResponse, dependencies=[Csrf])
def add_note(
    request: Request,
    customer_id: IdPath,
    session: SessionDep,
    user: WebUser,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    require(user, "notes:write")
    error = None
    try:
        data = NoteCreate(customer_id=customer_id, body=body, author=user.name or "staff")
        notes.create(session=session, data=data, actor=actor_name(user))
    except ValidationError:
        error = "notes.empty"
    if is_htmx(request):
        listed = [
            notes.public(n)
            for n in notes.list_for_customer(session=session, customer_id=customer_id)
        ]
        return render(
            request,
            "_notes.html",
            422 if error else 200,
            notes=listed,
            customer_id=customer_id,
            note_error=error,
        )
    if error:
        return _customer_page(request, session, user, customer_id, 422, note_error=error)
    return redirect(f"/customers/{customer_id}#notes")


def _form_values(customer: Any) -> dict[str, str]:
    values = {k: getattr(customer, k) or "" for k in EDITABLE}
    values["tags"] = ", ".join(customer.tags)
    return values


@router.get("/customers/{customer_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, customer_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "customers:write")
    customer = customers.get(session=session, customer_id=customer_id)
    return render(
        request, "customer_edit.html", customer=customer, values=_form_values(customer), errors={}
    )


@router.post("/customers/{customer_id}/edit", response_class=HTMLResponse, dependencies=[Csrf])
def edit_submit(
    request: Request,
    customer_id: IdPath,
    session: SessionDep,
    user: WebUser,
    form: Annotated[CustomerForm, Form()],
) -> Response:
    require(user, "customers:write")
    customer = customers.get(session=session, customer_id=customer_id)
    errors: dict[str, str] = {}
    try:
        data = CustomerUpdate(
            name=form.name,
            email=form.email or None,
            phone=form.phone or None,
            company=form.company or None,
            language=form.language,
            country=form.country or None,
            address=form.address or None,
            tags=split_tags(form.tags),
        )
        # Checked here: the service's unique-flush raises outside its savepoint on an update.
        other = customers.get_by_email(session=session, email=data.email) if data.email else None
        if other is not None and other.id != customer_id:
            raise Conflict("Another customer already has this email address.")
        customers.update(
            session=session, customer_id=customer_id, data=data, actor=actor_name(user)
        )
    except (ValidationError, ValidationFailed) as exc:
        errors = inline_errors(exc)
    except Conflict as exc:
        errors = {"email": str(exc)}
    if errors:
        return refused(
            request,
            session,
            "customer_edit.html",
            errors,
            customer=customer,
            values=form.model_dump(),
        )
    return redirect(f"/customers/{customer_id}")
