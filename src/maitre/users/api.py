"""Login for the web UI (session cookie), the caller's identity, users and API keys (admin)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from maitre.api.deps import PrincipalDep, SessionDep, require
from maitre.api.ratelimit import client_address, limiter_for
from maitre.common.ids import IdPath
from maitre.users import service
from maitre.users.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    LoginRequest,
    Me,
    UserCreate,
    UserRead,
)
from maitre.users.service import Principal

router = APIRouter(tags=["auth"])
Admin = Annotated[Principal, Depends(require("users:write"))]


def start_session(request: Request, user_id: int) -> str:
    """Put the user in the signed session cookie and return a fresh CSRF token."""
    request.session.clear()
    request.session["user_id"] = user_id
    request.session["csrf"] = secrets.token_urlsafe(24)
    return str(request.session["csrf"])


@router.post("/auth/login", response_model=Me)
def login(body: LoginRequest, request: Request, session: SessionDep) -> Me:
    limiter = limiter_for(request)
    limiter.hit("login", "address", client_address(request))
    limiter.hit("login", "email", body.email.lower())
    user = service.authenticate_user(session=session, email=body.email, password=body.password)
    csrf = start_session(request, user.id)
    p = service.principal_for_user(user)
    return Me(kind=p.kind, id=p.id, name=p.name, role=p.role, csrf_token=csrf)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> Response:
    request.session.clear()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=Me)
def me(principal: PrincipalDep, request: Request) -> Me:
    csrf = request.session.get("csrf") if principal.kind == "user" else None
    return Me(
        kind=principal.kind,
        id=principal.id,
        name=principal.name,
        role=principal.role,
        csrf_token=csrf,
    )


@router.get("/users", response_model=list[UserRead], tags=["users"])
def list_users(session: SessionDep, _: Admin) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in service.list_users(session=session)]


@router.post("/users", response_model=UserRead, status_code=201, tags=["users"])
def create_user(body: UserCreate, session: SessionDep, _: Admin) -> UserRead:
    user = service.create_user(
        session=session, email=body.email, name=body.name, role=body.role, password=body.password
    )
    return UserRead.model_validate(user)


@router.get("/apikeys", response_model=list[ApiKeyRead], tags=["users"])
def list_keys(session: SessionDep, _: Admin) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(k) for k in service.list_api_keys(session=session)]


@router.post("/apikeys", response_model=ApiKeyCreated, status_code=201, tags=["users"])
def create_key(body: ApiKeyCreate, session: SessionDep, _: Admin) -> ApiKeyCreated:
    key, token = service.create_api_key(session=session, name=body.name, role=body.role)
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=token)


@router.delete("/apikeys/{key_id}", status_code=204, tags=["users"])
def revoke_key(key_id: IdPath, session: SessionDep, _: Admin) -> Response:
    service.revoke_api_key(session=session, key_id=key_id)
    return Response(status_code=204)
