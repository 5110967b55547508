"""Web pages: login, customer list and customer 360. Same services as the API, HTML out."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from maitre.api.deps import SessionDep
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.customers import service as customers
from maitre.errors import PermissionDenied, Unauthenticated
from maitre.timeline import view as timeline_view
from maitre.users import service as users
from maitre.users.roles import allows
from maitre.users.service import Principal

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is logged in; the app redirects to /login."""


def current_user(request: Request, session: SessionDep) -> Principal:
    """Return the logged-in staff member or send the browser to the login page."""
    user_id = request.session.get("user_id")
    user = users.get_user(session=session, user_id=int(user_id)) if user_id else None
    if user is None or not user.is_active:
        raise LoginRequired()
    return users.principal_for_user(user)


WebUser = Annotated[Principal, Depends(current_user)]


def _require(principal: Principal, permission: str) -> None:
    if not allows(principal.role, permission):
        raise PermissionDenied(f"Your role ({principal.role.value}) may not open this page.")


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render a page with the shared context (user, CSRF token)."""
    context.setdefault("user", getattr(request.state, "web_user", None))
    context["csrf_token"] = _csrf(request)
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def home(user: WebUser) -> Response:
    return RedirectResponse("/customers", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return render(request, "login.html", next=next if next.startswith("/") else "/", error=None)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    if not secrets.compare_digest(csrf_token, str(request.session.get("csrf", ""))):
        return render(
            request, "login.html", 400, next=target, error="Your form expired; please try again."
        )
    try:
        user = users.authenticate_user(session=session, email=email, password=password)
    except Unauthenticated:
        return render(request, "login.html", 401, next=target, error="Wrong email or password.")
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(24)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    if secrets.compare_digest(csrf_token, str(request.session.get("csrf", ""))):
        request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/customers", response_class=HTMLResponse)
def customer_list(
    request: Request,
    session: SessionDep,
    user: WebUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[str, Query(max_length=40)] = "-created_at",
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    _require(user, "customers:read")
    request.state.web_user = user
    filters = customers.CustomerFilter(q=q or None, language=language or None, tag=tag or None)
    page = customers.list_(
        session=session, filters=filters, params=PageParams(limit=25, cursor=cursor, sort=sort)
    )
    return render(
        request,
        "customers.html",
        page=page,
        q=q or "",
        language=language or "",
        tag=tag or "",
        sort=sort,
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, customer_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    _require(user, "customers:read")
    request.state.web_user = user
    view = timeline_view.customer_360(session=session, customer_id=customer_id)
    return render(request, "customer.html", view=view)
