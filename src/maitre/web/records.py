"""Order, product and ticket pages: lists with filters, details, ticket status changes."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.customers import service as customers
from maitre.errors import ValidationFailed
from maitre.market import service as market
from maitre.orders import service as orders
from maitre.orders.status import OrderStatus
from maitre.products import service as products
from maitre.tickets import service as tickets
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.tickets.schemas import TicketUpdate
from maitre.users.roles import allows
from maitre.web.core import Csrf, PageRoute, WebUser, is_htmx, redirect, render, require

log = logging.getLogger("maitre.web")
router = APIRouter(route_class=PageRoute)
Cursor = Annotated[str | None, Query(max_length=1000)]
ORDER_SORTS = ("-placed_at", "placed_at", "-total", "total", "number")
PRODUCT_SORTS = ("name", "-name", "-price", "price", "stock", "-stock")
TICKET_SORTS = ("-created_at", "created_at", "-updated_at", "status", "subject")


def _pick(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else allowed[0]


@router.get("/orders", response_class=HTMLResponse)
def order_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    number: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "orders:read")
    chosen = OrderStatus(status) if status in set(OrderStatus) else None
    sort = _pick(sort, ORDER_SORTS)
    filters = orders.OrderFilter(status=chosen, number=number or None)
    page = orders.list_(
        session=session, filters=filters, params=PageParams(limit=25, cursor=cursor, sort=sort)
    )
    query = {"number": number or "", "status": chosen.value if chosen else "", "sort": sort}
    return render(
        request,
        "orders.html",
        page=page,
        query=query,
        statuses=[s.value for s in OrderStatus],
        sorts=ORDER_SORTS,
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: IdPath, session: SessionDep, user: WebUser) -> Response:
    require(user, "orders:read")
    order = orders.get(session=session, order_id=order_id)
    customer = customers.get(session=session, customer_id=order.customer_id)
    return render(request, "order.html", order=order, customer=customer)


@router.get("/products", response_class=HTMLResponse)
def product_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "products:read")
    sort = _pick(sort, PRODUCT_SORTS)
    filters = products.ProductFilter(q=q or None, category=category or None)
    page = products.list_(
        session=session, filters=filters, params=PageParams(limit=25, cursor=cursor, sort=sort)
    )
    categories = sorted({c for c in products.categories(session=session).values() if c})
    query = {"q": q or "", "category": category or "", "sort": sort}
    return render(
        request,
        "products.html",
        page=page,
        query=query,
        categories=categories,
        sorts=PRODUCT_SORTS,
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(
    request: Request, product_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "products:read")
    product = products.get(session=session, product_id=product_id)
    forecast = None
    if allows(user.role, "analytics:read"):
        try:
            forecast = market.forecast_product(session=session, product_id=product_id, horizon=12)
        except Exception:  # an optional chart: a model that cannot fit shows the empty state
            log.exception("web.product.forecast_failed", extra={"product_id": product_id})
    chart = None
    if forecast is not None and forecast.points:
        chart = {
            "labels": [p.ds.isoformat() for p in forecast.points],
            "yhat": [round(p.yhat, 2) for p in forecast.points],
            "lo": [round(p.lo, 2) for p in forecast.points],
            "hi": [round(p.hi, 2) for p in forecast.points],
        }
    return render(request, "product.html", product=product, forecast=forecast, chart=chart)


@router.get("/tickets", response_class=HTMLResponse)
def ticket_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    priority: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "tickets:read")
    chosen = TicketStatus(status) if status in set(TicketStatus) else None
    prio = TicketPriority(priority) if priority in set(TicketPriority) else None
    sort = _pick(sort, TICKET_SORTS)
    filters = tickets.TicketFilter(status=chosen, priority=prio, q=q or None)
    page = tickets.list_(
        session=session, filters=filters, params=PageParams(limit=25, cursor=cursor, sort=sort)
    )
    query = {
        "q": q or "",
        "status": chosen.value if chosen else "",
        "priority": prio.value if prio else "",
        "sort": sort,
    }
    return render(
        request,
        "tickets.html",
        page=page,
        query=query,
        statuses=[s.value for s in TicketStatus],
        priorities=[p.value for p in TicketPriority],
        sorts=TICKET_SORTS,
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    request: Request, ticket_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "tickets:read")
    ticket = tickets.get(session=session, ticket_id=ticket_id)
    customer = customers.get(session=session, customer_id=ticket.customer_id)
    return render(
        request,
        "ticket.html",
        ticket=ticket,
        customer=customer,
        statuses=[s.value for s in TicketStatus],
    )


@router.post("/tickets/{ticket_id}/status", response_class=HTMLResponse, dependencies=[Csrf])
def ticket_status(
    request: Request,
    ticket_id: IdPath,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    require(user, "tickets:write")
    if status not in set(TicketStatus):
        raise ValidationFailed(f"Unknown ticket status {status!r}.")
    tickets.update(
        session=session,
        ticket_id=ticket_id,
        data=TicketUpdate(status=TicketStatus(status)),
        actor=actor_name(user),
    )
    if is_htmx(request):
        ticket = tickets.get(session=session, ticket_id=ticket_id)
        return render(request, "_ticket_status.html", ticket=ticket, statuses=list(TicketStatus))
    return redirect(f"/tickets/{ticket_id}")
