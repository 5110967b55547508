"""Shared page machinery: templates, the logged-in user, role checks, CSRF and error pages."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from maitre.api.deps import SessionDep
from maitre.errors import MaitreError, PermissionDenied, ValidationFailed
from maitre.users import service as users
from maitre.users.roles import Role, allows
from maitre.users.service import Principal
from maitre.web import i18n
from maitre.web.masking import mask_address, mask_email, mask_phone, may_see_contact

log = logging.getLogger("maitre.web")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals["mask_email"] = mask_email
TEMPLATES.env.globals["mask_phone"] = mask_phone
TEMPLATES.env.globals["mask_address"] = mask_address
TEMPLATES.env.globals["may_see_contact"] = may_see_contact
TEMPLATES.env.globals["allows"] = allows
TEMPLATES.env.globals["LANGUAGES"] = i18n.LANGUAGES

# (path, catalogue key, permission) — the nav shows a link only to those allowed to open it.
NAV: tuple[tuple[str, str, str], ...] = (
    ("/inbox", "nav.inbox", "conversations:write"),
    ("/customers", "nav.customers", "customers:read"),
    ("/orders", "nav.orders", "orders:read"),
    ("/products", "nav.products", "products:read"),
    ("/tickets", "nav.tickets", "tickets:read"),
    ("/deals", "nav.pipeline", "deals:read"),
    ("/leads", "nav.leads", "leads:read"),
    ("/dashboards", "nav.dashboards", "analytics:read"),
    ("/kb", "nav.kb", "kb:read"),
    ("/training", "nav.training", "nlu:read"),
    ("/settings", "nav.settings", "settings:admin"),
    ("/safety", "nav.safety", "safety:read"),
)


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is logged in; the app redirects to /login."""


def current_user(request: Request, session: SessionDep) -> Principal:
    """Return the logged-in staff member or send the browser to the login page."""
    user_id = request.session.get("user_id")
    user = users.get_user(session=session, user_id=int(user_id)) if user_id else None
    if user is None or not user.is_active:
        raise LoginRequired()
    principal = users.principal_for_user(user)
    request.state.web_user = principal
    return principal


WebUser = Annotated[Principal, Depends(current_user)]


def require(principal: Principal, permission: str) -> None:
    """Refuse the page (403) unless the user's role holds ``permission``."""
    if permission == "settings:admin":
        if principal.role is not Role.ADMIN:
            raise PermissionDenied("Only administrators may open the settings.")
        return
    if not allows(principal.role, permission):
        raise PermissionDenied(f"Your role ({principal.role.value}) may not open this page.")


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, creating one on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Refuse a data-changing request without the session's token (form field or header)."""
    expected = str(request.session.get("csrf", ""))
    sent = request.headers.get("x-csrf-token", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token", "")
        sent = value if isinstance(value, str) else ""
    if not expected or not secrets.compare_digest(sent, expected):
        raise PermissionDenied("Missing or wrong CSRF token; reload the page and try again.")


Csrf = Depends(check_csrf)


def language(request: Request) -> str:
    """Return the UI language chosen for this session."""
    lang = request.session.get("lang")
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render a page with the shared context (user, nav, CSRF token, translations)."""
    user: Principal | None = context.setdefault("user", getattr(request.state, "web_user", None))
    lang = language(request)
    context["csrf_token"] = csrf_token(request)
    context["lang"] = lang
    context["t"] = i18n.translator(lang)
    context["nav"] = [
        (path, key) for path, key, perm in NAV if user is not None and _nav_allows(user.role, perm)
    ]
    context["current_path"] = request.url.path
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def _nav_allows(role: Role, permission: str) -> bool:
    if permission == "settings:admin":
        return role is Role.ADMIN
    return allows(role, permission)


def is_htmx(request: Request) -> bool:
    """Tell whether HTMX sent the request (so a fragment, not a page, is wanted)."""
    return request.headers.get("hx-request") == "true"


def error_page(request: Request, exc: MaitreError) -> Response:
    """Render a MaitreError as an HTML page with its status."""
    return render(
        request, "error.html", exc.status, status=exc.status, title=exc.title, detail=str(exc)
    )


class PageRoute(APIRoute):
    """A route whose errors become HTML pages (403, 404, …) and whose anonymous users log in."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
                return error_page(request, ValidationFailed(f"Invalid input: {fields}"))
            except LoginRequired:
                target = request.url.path if request.method == "GET" else "/"
                return RedirectResponse(f"/login?next={target}", status_code=303)
            except MaitreError as exc:
                if exc.status >= 500:
                    raise
                log.info("web.page.refused", extra={"status": exc.status, "path": request.url.path})
                return error_page(request, exc)

        return page_handler


def redirect(url: str) -> Response:
    """Send the browser on after a form post (303, so it follows with GET)."""
    return RedirectResponse(url, status_code=303)


HTML = HTMLResponse
