"""Settings pages (administrators only): users and roles, API keys, webhooks.

The LLM endpoint and business-rule forms of the same page live in ``settings_runtime``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from maitre.api.deps import SessionDep, SettingsDep, get_settings
from maitre.common.ids import IdPath
from maitre.common.pagination import PageParams
from maitre.errors import Conflict, ValidationFailed
from maitre.runtime_settings import service as runtime_settings
from maitre.users import service as users
from maitre.users.roles import Role
from maitre.web.core import Csrf, PageRoute, WebUser, redirect, render, require
from maitre.webhooks import service as webhooks
from maitre.webhooks.schemas import WebhookCreate

router = APIRouter(route_class=PageRoute)
STAFF_ROLES = [r.value for r in Role if r is not Role.WIDGET]
KEY_ROLES = [r.value for r in Role]
ADMIN = "settings:admin"


def render_settings(
    request: Request,
    session: SessionDep,
    status_code: int = 200,
    **extra: object,
) -> Response:
    context: dict[str, object] = {
        "users": users.list_users(session=session),
        "keys": users.list_api_keys(session=session),
        "hooks": webhooks.list_(session=session, params=PageParams(limit=100)).items,
        "staff_roles": STAFF_ROLES,
        "key_roles": KEY_ROLES,
        "errors": {},
        "new_key": None,
        "new_secret": None,
        "runtime": {
            state.key: state
            for state in runtime_settings.list_(session=session, base=get_settings(request))
        },
        "rt_form": {},
        "llm_test": None,
        "saved": None,
    }
    context.update(extra)
    return render(request, "settings.html", status_code, **context)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    saved: Annotated[str, Query(max_length=20, description="Section just saved.")] = "",
) -> Response:
    require(user, ADMIN)
    return render_settings(request, session, saved=saved)


@router.post("/settings/users", response_class=HTMLResponse, dependencies=[Csrf])
def create_user(
    request: Request,
    session: SessionDep,
    user: WebUser,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=1000)],
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    require(user, ADMIN)
    errors: dict[str, str] = {}
    if role not in STAFF_ROLES:
        errors["user_role"] = "Pick one of the staff roles."
    if "@" not in email or len(email) < 3:
        errors["user_email"] = "Enter an email address."
    if len(password) < 10:
        errors["user_password"] = "Use at least 10 characters."
    if not errors:
        try:
            users.create_user(
                session=session, email=email, name=name, role=Role(role), password=password
            )
        except Conflict as exc:
            errors["user_email"] = str(exc)
    if errors:
        session.rollback()
        return render_settings(request, session, 422, errors=errors)
    return redirect("/settings#users")


@router.post("/settings/users/{user_id}", response_class=HTMLResponse, dependencies=[Csrf])
def update_user(
    request: Request,
    user_id: IdPath,
    session: SessionDep,
    user: WebUser,
    role: Annotated[str, Form(max_length=20)],
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    require(user, ADMIN)
    if role not in STAFF_ROLES:
        raise ValidationFailed(f"Unknown role {role!r}.")
    try:
        users.update_user(
            session=session, user_id=user_id, role=Role(role), is_active=active == "on"
        )
    except Conflict as exc:
        session.rollback()
        return render_settings(request, session, 409, errors={"users": str(exc)})
    return redirect("/settings#users")


@router.post("/settings/keys", response_class=HTMLResponse, dependencies=[Csrf])
def create_key(
    request: Request,
    session: SessionDep,
    user: WebUser,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    """Create an API key and show its token this once (it is stored only as a hash)."""
    require(user, ADMIN)
    if role not in KEY_ROLES or not name.strip():
        session.rollback()
        return render_settings(
            request, session, 422, errors={"key": "Give the key a name and a role."}
        )
    _key, token = users.create_api_key(
        session=session, name=name.strip(), role=Role(role), user_id=user.user_id
    )
    response = render_settings(request, session, new_key=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/settings/keys/{key_id}/revoke", response_class=HTMLResponse, dependencies=[Csrf])
def revoke_key(request: Request, key_id: IdPath, session: SessionDep, user: WebUser) -> Response:
    require(user, ADMIN)
    users.revoke_api_key(session=session, key_id=key_id)
    return redirect("/settings#keys")


@router.post("/settings/webhooks", response_class=HTMLResponse, dependencies=[Csrf])
def create_webhook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    url: Annotated[str, Form(max_length=2000)],
    event_types: Annotated[str, Form(max_length=2000)] = "*",
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Register a webhook endpoint and show its signing secret this once."""
    require(user, ADMIN)
    try:
        data = WebhookCreate(
            url=url,
            event_types=[e.strip() for e in event_types.split(",") if e.strip()] or ["*"],
            description=description,
        )
        endpoint = webhooks.create(
            session=session, data=data, allow_private=settings.allow_private_webhook_targets
        )
    except ValidationError as exc:
        session.rollback()
        return render_settings(request, session, 422, errors={"hook": exc.errors()[0]["msg"]})
    except ValidationFailed as exc:
        session.rollback()
        return render_settings(request, session, 422, errors={"hook": str(exc)})
    response = render_settings(request, session, new_secret=endpoint.secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(
    "/settings/webhooks/{webhook_id}/delete", response_class=HTMLResponse, dependencies=[Csrf]
)
def delete_webhook(
    request: Request, webhook_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, ADMIN)
    webhooks.delete(session=session, webhook_id=webhook_id)
    return redirect("/settings#webhooks")
