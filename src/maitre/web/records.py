"""Order and ticket pages: lists with filters, details, order status and shipping, ticket status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.customers import service as customers
from maitre.errors import Conflict, ValidationFailed
from maitre.orders import service as orders
from maitre.orders.schemas import OrderUpdate
from maitre.orders.status import TRANSITIONS, OrderStatus
from maitre.tickets import service as tickets
from maitre.tickets.models import TicketPriority, TicketStatus
from maitre.tickets.schemas import TicketUpdate
from maitre.web.core import Csrf, PageRoute, WebUser, language, render, require
from maitre.web.forms import (
    FORM_ERRORS,
    Cursor,
    Search,
    Sort,
    Text,
    choice,
    done,
    inline_errors,
    page_params,
    pick,
    required,
    status_of,
)
from maitre.web.i18n import translator

router = APIRouter(route_class=PageRoute)
ORDER_SORTS = ("-placed_at", "placed_at", "-total", "total", "number")
TICKET_SORTS = ("-created_at", "created_at", "-updated_at", "status", "subject")


@router.get("/orders", response_class=HTMLResponse)
def order_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    number: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    sort: Sort = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "orders:read")
    chosen = choice(status, OrderStatus)
    sort = pick(sort, ORDER_SORTS)
    filters = orders.OrderFilter(status=chosen, number=number or None)
    page = orders.list_(session=session, filters=filters, params=page_params(cursor, sort))
    query = {"number": number or "", "status": chosen.value if chosen else "", "sort": sort}
    return render(
        request,
        "orders.html",
        page=page,
        query=query,
        statuses=[s.value for s in OrderStatus],
        sorts=ORDER_SORTS,
    )


def _order_page(
    request: Request,
    session: SessionDep,
    order_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    shipping: dict[str, str] | None = None,
) -> Response:
    order = orders.get(session=session, order_id=order_id)
    customer = customers.get(session=session, customer_id=order.customer_id)
    current = OrderStatus(order.status)
    return render(
        request,
        "order.html",
        status_code,
        order=order,
        customer=customer,
        next_statuses=[s.value for s in OrderStatus if s in TRANSITIONS[current]],
        errors=errors or {},
        shipping=shipping
        or {"carrier": order.carrier or "", "tracking_number": order.tracking_number or ""},
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: IdPath, session: SessionDep, user: WebUser) -> Response:
    require(user, "orders:read")
    return _order_page(request, session, order_id)


@router.post("/orders/{order_id}/status", response_class=HTMLResponse, dependencies=[Csrf])
def order_status(
    request: Request,
    order_id: IdPath,
    session: SessionDep,
    user: WebUser,
    status: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Move an order to another status; one the service refuses shows inline on the page."""
    require(user, "orders:write")
    try:
        wanted = required(status, OrderStatus, "order status")
        orders.set_status(session=session, order_id=order_id, status=wanted, actor=actor_name(user))
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        errors = inline_errors(exc, "status")
        if isinstance(exc, Conflict) and "requested_status" in exc.extra:
            t = translator(language(request))
            errors["status"] = t(
                "orders.refused",
                old=t(f"status.{exc.extra['current_status']}"),
                new=t(f"status.{exc.extra['requested_status']}"),
            )
        return _order_page(request, session, order_id, exc.status, errors=errors)
    return done(request, f"/orders/{order_id}")


@router.post("/orders/{order_id}/shipping", response_class=HTMLResponse, dependencies=[Csrf])
def order_shipping(
    request: Request,
    order_id: IdPath,
    session: SessionDep,
    user: WebUser,
    carrier: Text = "",
    tracking_number: Text = "",
) -> Response:
    """Set the carrier and tracking number; an empty field clears it."""
    require(user, "orders:write")
    values = {"carrier": carrier, "tracking_number": tracking_number}
    try:
        data = OrderUpdate(carrier=carrier or None, tracking_number=tracking_number or None)
        orders.update(session=session, order_id=order_id, data=data, actor=actor_name(user))
    except FORM_ERRORS as exc:
        session.rollback()
        errors = inline_errors(exc, "shipping")
        return _order_page(request, session, order_id, status_of(exc), errors, values)
    return done(request, f"/orders/{order_id}")


@router.get("/tickets", response_class=HTMLResponse)
def ticket_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Search = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    priority: Annotated[str | None, Query(max_length=20)] = None,
    sort: Sort = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "tickets:read")
    chosen = choice(status, TicketStatus)
    prio = choice(priority, TicketPriority)
    sort = pick(sort, TICKET_SORTS)
    filters = tickets.TicketFilter(status=chosen, priority=prio, q=q or None)
    page = tickets.list_(session=session, filters=filters, params=page_params(cursor, sort))
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
    ticket = tickets.update(
        session=session,
        ticket_id=ticket_id,
        data=TicketUpdate(status=required(status, TicketStatus, "ticket status")),
        actor=actor_name(user),
    )
    return done(
        request,
        f"/tickets/{ticket_id}",
        "_ticket_status.html",
        ticket=ticket,
        statuses=[s.value for s in TicketStatus],
    )
