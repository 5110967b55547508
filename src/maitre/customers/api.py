"""Customer endpoints: parse, call the service, return schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.api.deps import PageDep, SessionDep, actor_name, require
from maitre.common.ids import IdPath
from maitre.customers import service
from maitre.customers.schemas import CustomerCreate, CustomerPage, CustomerRead, CustomerUpdate
from maitre.users.service import Principal

router = APIRouter(prefix="/customers", tags=["customers"])
Reader = Annotated[Principal, Depends(require("customers:read"))]
Writer = Annotated[Principal, Depends(require("customers:write"))]


@router.get("", response_model=CustomerPage)
def list_customers(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Search name, email, company, phone.")
    ] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    country: Annotated[str | None, Query(max_length=60)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    company: Annotated[str | None, Query(max_length=200)] = None,
) -> CustomerPage:
    filters = service.CustomerFilter(
        q=q, email=email, language=language, country=country, tag=tag, company=company
    )
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(CustomerPage, CustomerRead.model_validate)


@router.post("", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
def create_customer(body: CustomerCreate, session: SessionDep, who: Writer) -> CustomerRead:
    customer = service.create(session=session, data=body, actor=actor_name(who))
    return CustomerRead.model_validate(customer)


@router.get("/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: IdPath, session: SessionDep, _: Reader) -> CustomerRead:
    return CustomerRead.model_validate(service.get(session=session, customer_id=customer_id))


@router.patch("/{customer_id}", response_model=CustomerRead)
def update_customer(
    customer_id: IdPath, body: CustomerUpdate, session: SessionDep, who: Writer
) -> CustomerRead:
    customer = service.update(
        session=session, customer_id=customer_id, data=body, actor=actor_name(who)
    )
    return CustomerRead.model_validate(customer)


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_customer(customer_id: IdPath, session: SessionDep, _: Writer) -> Response:
    service.delete(session=session, customer_id=customer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
