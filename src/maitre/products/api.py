"""Product endpoints: parse, call the service, return schemas."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.api.deps import PageDep, SessionDep, require
from maitre.common.ids import IdPath
from maitre.products import service
from maitre.products.schemas import ProductCreate, ProductPage, ProductRead, ProductUpdate
from maitre.users.service import Principal

router = APIRouter(prefix="/products", tags=["products"])
Reader = Annotated[Principal, Depends(require("products:read"))]
Writer = Annotated[Principal, Depends(require("products:write"))]


@router.get("", response_model=ProductPage)
def list_products(
    session: SessionDep,
    _: Reader,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Search name and sku.")] = None,
    category: Annotated[
        str | None, Query(max_length=100, description="Exact category (any case).")
    ] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    is_active: Annotated[bool | None, Query()] = None,
) -> ProductPage:
    """List products; sort by name (default), price, stock, created_at, sku, category or id."""
    filters = service.ProductFilter(q=q, category=category, sku=sku, is_active=is_active)
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(ProductPage, ProductRead.model_validate)


@router.post("", response_model=ProductRead, status_code=status.HTTP_201_CREATED)
def create_product(body: ProductCreate, session: SessionDep, _: Writer) -> ProductRead:
    return ProductRead.model_validate(service.create(session=session, data=body))


@router.get("/{product_id}", response_model=ProductRead)
def get_product(product_id: IdPath, session: SessionDep, _: Reader) -> ProductRead:
    return ProductRead.model_validate(service.get(session=session, product_id=product_id))


@router.patch("/{product_id}", response_model=ProductRead)
def update_product(
    product_id: IdPath, body: ProductUpdate, session: SessionDep, _: Writer
) -> ProductRead:
    product = service.update(session=session, product_id=product_id, data=body)
    return ProductRead.model_validate(product)


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_product(product_id: IdPath, session: SessionDep, _: Writer) -> Response:
    service.delete(session=session, product_id=product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
