"""Product pages: the list with filters, the detail with its demand forecast, create and edit."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from maitre.api.deps import SessionDep
from maitre.common.ids import IdPath
from maitre.errors import Conflict, MaitreError
from maitre.market import service as market
from maitre.products import service as products
from maitre.products.models import Product
from maitre.products.schemas import ProductCreate, ProductUpdate
from maitre.users.roles import allows
from maitre.web.core import Csrf, PageRoute, WebUser, redirect, render, require
from maitre.web.forms import (
    FORM_ERRORS,
    Cursor,
    Search,
    Sort,
    Typed,
    TypedLong,
    inline_errors,
    page_params,
    pick,
    refused,
    status_of,
)

log = logging.getLogger("maitre.web")
router = APIRouter(route_class=PageRoute)
PRODUCT_SORTS = ("name", "-name", "-price", "price", "stock", "-stock")
FIELDS = ("sku", "name", "category", "price", "currency", "stock", "description")


@router.get("/products", response_class=HTMLResponse)
def product_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Search = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    sort: Sort = None,
    cursor: Cursor = None,
) -> Response:
    require(user, "products:read")
    sort = pick(sort, PRODUCT_SORTS)
    filters = products.ProductFilter(q=q or None, category=category or None)
    page = products.list_(session=session, filters=filters, params=page_params(cursor, sort))
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


class ProductForm(BaseModel):
    """The product form as typed (all text); ``ProductCreate``/``ProductUpdate`` check it."""

    sku: Typed = ""
    name: Typed = ""
    category: Typed = ""
    price: Typed = ""
    currency: Typed = ""
    stock: Typed = ""
    description: TypedLong = ""
    is_active: Typed = ""

    def values(self) -> dict[str, Any]:
        """Return what the form shows again when it is refused."""
        return {**self.model_dump(), "is_active": bool(self.is_active)}

    def schema_input(self) -> dict[str, Any]:
        """Return the schema's input: empty optional fields null, defaults where left empty."""
        data = self.values()
        for key in ("category", "description"):
            data[key] = data[key] or None
        data["currency"] = data["currency"] or "USD"
        data["stock"] = data["stock"] or "0"
        return data


Submitted = Annotated[ProductForm, Form()]


def _values(product: Product | None) -> dict[str, Any]:
    if product is None:
        return {**{k: "" for k in FIELDS}, "currency": "USD", "stock": "0", "is_active": True}
    values: dict[str, Any] = {k: getattr(product, k) for k in FIELDS}
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    values["is_active"] = product.is_active
    return values


def _form(request: Request, product: Product | None = None) -> Response:
    return render(request, "product_form.html", product=product, values=_values(product), errors={})


def _refused(
    request: Request,
    session: SessionDep,
    exc: ValidationError | MaitreError,
    form: ProductForm,
    product: Product | None = None,
) -> Response:
    if isinstance(exc, Conflict):  # the only conflict a product raises: the sku is taken
        errors, status_code = {"sku": str(exc)}, 409
    else:
        errors, status_code = inline_errors(exc), status_of(exc)
    return refused(
        request,
        session,
        "product_form.html",
        errors,
        status_code,
        product=product,
        values=form.values(),
    )


@router.get("/products/new", response_class=HTMLResponse)
def new_product(request: Request, user: WebUser) -> Response:
    require(user, "products:write")
    return _form(request)


@router.post("/products/new", response_class=HTMLResponse, dependencies=[Csrf])
def create_product(
    request: Request, session: SessionDep, user: WebUser, form: Submitted
) -> Response:
    require(user, "products:write")
    try:
        data = ProductCreate.model_validate(form.schema_input())
        product = products.create(session=session, data=data)
    except FORM_ERRORS as exc:
        return _refused(request, session, exc, form)
    log.info("web.product.created", extra={"product_id": product.id, "user_id": user.user_id})
    return redirect(f"/products/{product.id}")


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


@router.get("/products/{product_id}/edit", response_class=HTMLResponse)
def edit_product(
    request: Request, product_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, "products:write")
    return _form(request, products.get(session=session, product_id=product_id))


@router.post("/products/{product_id}/edit", response_class=HTMLResponse, dependencies=[Csrf])
def update_product(
    request: Request, product_id: IdPath, session: SessionDep, user: WebUser, form: Submitted
) -> Response:
    require(user, "products:write")
    product = products.get(session=session, product_id=product_id)
    try:
        data = ProductUpdate.model_validate(form.schema_input())
        products.update(session=session, product_id=product_id, data=data)
    except FORM_ERRORS as exc:
        return _refused(request, session, exc, form, product)
    log.info("web.product.updated", extra={"product_id": product_id, "user_id": user.user_id})
    return redirect(f"/products/{product_id}")
