"""The deal pipeline as a kanban board: move a card between stages, open a new deal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.customers import service as customers
from maitre.sales import deals
from maitre.sales.models import DealStage
from maitre.sales.schemas import DealCreate, DealUpdate
from maitre.web.core import Csrf, PageRoute, WebUser, language, redirect, render, require
from maitre.web.forms import FORM_ERRORS, Typed, done, inline_errors, refused, required
from maitre.web.i18n import translator

router = APIRouter(route_class=PageRoute)
CARDS_PER_STAGE = 50
STAGES = [s.value for s in DealStage]
NEW_DEAL_FIELDS = ("title", "customer", "value", "stage")


class DealForm(BaseModel):
    """The new-deal form as typed; ``customer`` is a customer's id or email."""

    title: Typed = ""
    customer: Typed = ""
    value: Typed = ""
    stage: Typed = DealStage.QUALIFICATION.value


def _columns(session: Session) -> list[dict[str, Any]]:
    columns = []
    for stage in DealStage:
        page = deals.list_(
            session=session,
            filters=deals.DealFilter(stage=stage),
            params=PageParams(limit=CARDS_PER_STAGE, sort="-updated_at"),
        )
        total_value = sum((d.value for d in page.items), start=0)
        columns.append({"stage": stage.value, "page": page, "value": total_value})
    return columns


@router.get("/deals", response_class=HTMLResponse)
def pipeline(request: Request, session: SessionDep, user: WebUser) -> Response:
    require(user, "deals:read")
    return render(
        request,
        "deals.html",
        columns=_columns(session),
        stages=STAGES,
        values=DealForm().model_dump(),
        errors={},
    )


def _customer_id(session: Session, text: str) -> int | None:
    """Return the id of the customer a deal form names by id or email, if there is one."""
    text = text.strip()
    if text.isdigit() and len(text) <= 10:
        return int(text)  # the schema checks its range and the service that it exists
    found = customers.get_by_email(session=session, email=text) if "@" in text else None
    return found.id if found is not None else None


@router.post("/deals/new", response_class=HTMLResponse, dependencies=[Csrf])
def create_deal(
    request: Request, session: SessionDep, user: WebUser, form: Annotated[DealForm, Form()]
) -> Response:
    """Open a deal from the board's form; errors show inline above the board."""
    require(user, "deals:write")
    values = form.model_dump()
    wanted: dict[str, Any] = {k: v for k, v in values.items() if v and k != "customer"}
    wanted["customer_id"] = _customer_id(session, form.customer)
    try:
        data = DealCreate.model_validate(wanted)
        deal = deals.create(session=session, data=data, actor=actor_name(user))
    except FORM_ERRORS as exc:
        errors = inline_errors(exc, known=(*NEW_DEAL_FIELDS, "customer_id"))
        if "customer_id" in errors:  # the form's field is "customer"
            errors["customer"] = errors.pop("customer_id")
        if wanted["customer_id"] is None:
            errors["customer"] = translator(language(request))("deals.no_customer")
        session.rollback()
        return refused(
            request,
            session,
            "deals.html",
            errors,
            422,
            columns=_columns(session),
            stages=STAGES,
            values=values,
        )
    return redirect(f"/deals#deal-{deal.id}")


@router.post("/deals/{deal_id}/stage", response_class=HTMLResponse, dependencies=[Csrf])
def move_deal(
    request: Request,
    deal_id: IdPath,
    session: SessionDep,
    user: WebUser,
    stage: Annotated[str, Form(max_length=30)],
) -> Response:
    """Move a deal to another stage (drag and drop on the board, or the card's own form)."""
    require(user, "deals:write")
    deal = deals.update(
        session=session,
        deal_id=deal_id,
        data=DealUpdate(stage=required(stage, DealStage, "stage")),
        actor=actor_name(user),
    )
    return done(request, "/deals", "_deal_card.html", deal=deal, stages=STAGES)
