"""Order endpoints: parse, call the service, return schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.api.deps import PageDep, SessionDep, actor_name, require
from maitre.common.ids import MAX_ID, IdPath, IdQuery
from maitre.orders import service
from maitre.orders.schemas import OrderCreate, OrderPage, OrderRead, OrderUpdate, as_utc
from maitre.orders.status import OrderStatus
from maitre.users.service import Principal

router = APIRouter(prefix="/orders", tags=["orders"])
Reader = Annotated[Principal, Depends(require("orders:read"))]
Writer = Annotated[Principal, Depends(require("orders:write"))]


@router.get("", response_model=OrderPage)
def list_orders(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    customer_id: IdQuery = None,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    number: Annotated[str | None, Query(max_length=41)] = None,
    product_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Orders with a line for this product.")
    ] = None,
    placed_from: Annotated[
        datetime | None, Query(description="Placed at or after (ISO 8601; no zone = UTC).")
    ] = None,
    placed_to: Annotated[
        datetime | None, Query(description="Placed before (ISO 8601; no zone = UTC).")
    ] = None,
) -> OrderPage:
    """List orders, newest placed first; sort by placed_at, total, number, status or id."""
    filters = service.OrderFilter(
        customer_id=customer_id,
        status=status_,
        number=number,
        placed_from=as_utc(placed_from) if placed_from else None,
        placed_to=as_utc(placed_to) if placed_to else None,
        product_id=product_id,
    )
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(OrderPage, OrderRead.model_validate)


@router.post("", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
def create_order(body: OrderCreate, session: SessionDep, who: Writer) -> OrderRead:
    """Create an order; lines name products by product_id or sku, unit_price defaults to price."""
    order = service.create(session=session, data=body, actor=actor_name(who))
    return OrderRead.model_validate(order)


@router.get("/{order_id}", response_model=OrderRead)
def get_order(order_id: IdPath, session: SessionDep, _: Reader) -> OrderRead:
    return OrderRead.model_validate(service.get(session=session, order_id=order_id))


@router.patch("/{order_id}", response_model=OrderRead)
def update_order(
    order_id: IdPath, body: OrderUpdate, session: SessionDep, who: Writer
) -> OrderRead:
    """Update an order; a status outside the allowed transitions is 409."""
    order = service.update(session=session, order_id=order_id, data=body, actor=actor_name(who))
    return OrderRead.model_validate(order)


@router.delete("/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_order(order_id: IdPath, session: SessionDep, who: Writer) -> Response:
    service.delete(session=session, order_id=order_id, actor=actor_name(who))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
