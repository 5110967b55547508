"""Sales pages: the deal pipeline as a kanban board and the lead list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.errors import ValidationFailed
from maitre.sales import deals, leads
from maitre.sales.models import DealStage, LeadStatus
from maitre.sales.schemas import DealUpdate
from maitre.web.core import Csrf, PageRoute, WebUser, is_htmx, redirect, render, require

router = APIRouter(route_class=PageRoute)
CARDS_PER_STAGE = 50
LEAD_SORTS = ("-created_at", "created_at", "-score", "name", "status")


@router.get("/deals", response_class=HTMLResponse)
def pipeline(request: Request, session: SessionDep, user: WebUser) -> Response:
    require(user, "deals:read")
    columns = []
    for stage in DealStage:
        page = deals.list_(
            session=session,
            filters=deals.DealFilter(stage=stage),
            params=PageParams(limit=CARDS_PER_STAGE, sort="-updated_at"),
        )
        total_value = sum((d.value for d in page.items), start=0)
        columns.append({"stage": stage.value, "page": page, "value": total_value})
    return render(request, "deals.html", columns=columns, stages=[s.value for s in DealStage])


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
    if stage not in set(DealStage):
        raise ValidationFailed(f"Unknown stage {stage!r}.")
    deal = deals.update(
        session=session,
        deal_id=deal_id,
        data=DealUpdate(stage=DealStage(stage)),
        actor=actor_name(user),
    )
    if is_htmx(request) or request.headers.get("x-requested-with") == "fetch":
        return render(request, "_deal_card.html", deal=deal, stages=[s.value for s in DealStage])
    return redirect("/deals")


@router.get("/leads", response_class=HTMLResponse)
def lead_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    require(user, "leads:read")
    chosen = LeadStatus(status) if status in set(LeadStatus) else None
    sort = sort if sort in LEAD_SORTS else LEAD_SORTS[0]
    page = leads.list_(
        session=session,
        filters=leads.LeadFilter(status=chosen, q=q or None),
        params=PageParams(limit=25, cursor=cursor, sort=sort),
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
