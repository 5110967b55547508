"""Lead pages: the list, a new-lead form, the lead with its status, and converting it to a deal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.customers import service as customers
from maitre.sales import deals, leads
from maitre.sales.models import LeadStatus
from maitre.sales.schemas import DealDraft, LeadConvert, LeadCreate, LeadUpdate
from maitre.web.core import Csrf, PageRoute, WebUser, redirect, render, require
from maitre.web.forms import (
    FORM_ERRORS,
    Cursor,
    Search,
    Sort,
    Text,
    Typed,
    TypedLong,
    choice,
    inline_errors,
    page_params,
    pick,
    refused,
    status_of,
)

router = APIRouter(route_class=PageRoute)
LEAD_SORTS = ("-created_at", "created_at", "-score", "name", "status")
# The statuses a person may pick; ``converted`` comes only from converting.
PICKABLE = tuple(s.value for s in LeadStatus if s is not LeadStatus.CONVERTED)


class LeadForm(BaseModel):
    """The new-lead form as typed (all text); ``LeadCreate`` checks it."""

    name: Typed = ""
    email: Typed = ""
    phone: Typed = ""
    company: Typed = ""
    source: Typed = ""
    notes: TypedLong = ""

    def schema_input(self) -> dict[str, Any]:
        """Return ``LeadCreate`` input: empty optional fields are left out."""
        data = self.model_dump()
        return {k: v for k, v in data.items() if v or k in ("name", "notes")}


@router.get("/leads", response_class=HTMLResponse)
def lead_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Search = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    sort: Sort = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "leads:read")
    chosen = choice(status, LeadStatus)
    sort = pick(sort, LEAD_SORTS)
    page = leads.list_(
        session=session,
        filters=leads.LeadFilter(status=chosen, q=q or None),
        params=page_params(cursor, sort),
    )
    query = {"q": q or "", "status": chosen.value if chosen else "", "sort": sort}
    return render(
        request,
        "leads.html",
        page=page,
        query=query,
        statuses=[s.value for s in LeadStatus],
        sorts=LEAD_SORTS,
    )


@router.get("/leads/new", response_class=HTMLResponse)
def new_lead(request: Request, user: WebUser) -> Response:
    require(user, "leads:write")
    return render(request, "lead_form.html", values=LeadForm().model_dump(), errors={})


@router.post("/leads/new", response_class=HTMLResponse, dependencies=[Csrf])
def create_lead(
    request: Request, session: SessionDep, user: WebUser, form: Annotated[LeadForm, Form()]
) -> Response:
    require(user, "leads:write")
    try:
        data = LeadCreate.model_validate(form.schema_input())
        lead = leads.create(session=session, data=data, actor=actor_name(user))
    except FORM_ERRORS as exc:
        return refused(
            request, session, "lead_form.html", inline_errors(exc), 422, values=form.model_dump()
        )
    return redirect(f"/leads/{lead.id}")


def _lead_page(
    request: Request,
    session: SessionDep,
    lead_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    convert: dict[str, str] | None = None,
) -> Response:
    lead = leads.get(session=session, lead_id=lead_id)
    customer = (
        customers.get(session=session, customer_id=lead.customer_id) if lead.customer_id else None
    )
    opened = deals.list_(
        session=session, filters=deals.DealFilter(lead_id=lead.id), params=page_params(None, "id")
    )
    return render(
        request,
        "lead.html",
        status_code,
        lead=lead,
        customer=customer,
        deals=opened.items,
        statuses=PICKABLE,
        errors=errors or {},
        convert=convert or {"title": "", "value": ""},
    )


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(request: Request, lead_id: IdPath, session: SessionDep, user: WebUser) -> Response:
    require(user, "leads:read")
    return _lead_page(request, session, lead_id)


@router.post("/leads/{lead_id}/status", response_class=HTMLResponse, dependencies=[Csrf])
def lead_status(
    request: Request,
    lead_id: IdPath,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Change a lead's status; a converted lead keeps its status (shown inline)."""
    require(user, "leads:write")
    try:
        data = LeadUpdate.model_validate({"status": status})
        leads.update(session=session, lead_id=lead_id, data=data, actor=actor_name(user))
    except FORM_ERRORS as exc:
        session.rollback()
        errors = inline_errors(exc, "status", known=("status",))
        return _lead_page(request, session, lead_id, status_of(exc), errors)
    return redirect(f"/leads/{lead_id}")


@router.post("/leads/{lead_id}/convert", response_class=HTMLResponse, dependencies=[Csrf])
def convert_lead(
    request: Request,
    lead_id: IdPath,
    session: SessionDep,
    user: WebUser,
    title: Text = "",
    value: Text = "",
) -> Response:
    """Turn the lead into a customer and a deal, all or nothing (the request's one commit)."""
    require(user, "leads:write")
    require(user, "customers:write")
    require(user, "deals:write")
    typed = {"title": title, "value": value}
    try:
        draft = DealDraft.model_validate({k: v for k, v in typed.items() if v})
        leads.convert(
            session=session,
            lead_id=lead_id,
            data=LeadConvert(deal=draft),
            actor=actor_name(user),
        )
    except FORM_ERRORS as exc:
        session.rollback()
        errors = inline_errors(exc, "convert", known=tuple(typed))
        return _lead_page(request, session, lead_id, status_of(exc), errors, typed)
    return redirect(f"/leads/{lead_id}")
