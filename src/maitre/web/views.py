"""Web pages: login, logout, language, and every page router of the staff app."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.api.deps import SessionDep
from maitre.api.ratelimit import client_address, limiter_for
from maitre.errors import RateLimited, Unauthenticated
from maitre.users import service as users
from maitre.web import (
    catalog,
    customers,
    deals,
    inbox,
    kb,
    leads,
    model_report,
    records,
    safety_pages,
    settings_pages,
    settings_runtime,
    shop,
    training,
)
from maitre.web import dashboards as dashboard_pages
from maitre.web.core import Csrf, LoginRequired, PageRoute, WebUser, redirect, render
from maitre.web.i18n import LANGUAGES, translator

__all__ = ["LoginRequired", "router"]

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/", response_class=HTMLResponse)
def home(user: WebUser) -> Response:
    return redirect("/customers")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    target = _safe_next(next)
    t = translator(str(request.session.get("lang", "en")))
    if not secrets.compare_digest(csrf_token, str(request.session.get("csrf", ""))):
        return render(request, "login.html", 400, next=target, error=t("login.expired"))
    # The API's login limits (per client address and per email), so both doors share counters.
    limiter = limiter_for(request)
    try:
        limiter.hit("login", "address", client_address(request))
        limiter.hit("login", "email", email.strip().lower())
    except RateLimited:
        return render(request, "login.html", 429, next=target, error=t("login.too_many"))
    try:
        user = users.authenticate_user(session=session, email=email, password=password)
    except Unauthenticated:
        return render(request, "login.html", 401, next=target, error=t("login.wrong"))
    lang = request.session.get("lang")
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(24)
    if lang:
        request.session["lang"] = lang
    return redirect(target)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    if secrets.compare_digest(csrf_token, str(request.session.get("csrf", ""))):
        request.session.clear()
    return redirect("/login")


@router.post("/language", dependencies=[Csrf])
def set_language(
    request: Request,
    lang: Annotated[str, Form(max_length=10)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Remember the UI language for this browser session."""
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return redirect(_safe_next(next))


for _pages in (
    customers.router,
    records.router,
    catalog.router,
    deals.router,
    leads.router,
    dashboard_pages.router,
    training.router,
    settings_pages.router,
    settings_runtime.router,
    inbox.router,
    kb.router,
    shop.router,
    model_report.router,
    safety_pages.router,
):
    router.include_router(_pages)
