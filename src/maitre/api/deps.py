"""Typed dependencies: the database session (one transaction per request) and the caller."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from maitre.common.pagination import PageParams
from maitre.config import Settings
from maitre.db.session import unit_of_work, write_transaction
from maitre.errors import PermissionDenied, Unauthenticated
from maitre.users import service as users
from maitre.users.roles import allows
from maitre.users.service import Principal

log = logging.getLogger("maitre.api")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session; commit when the handler returns, roll back when it raises."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    try:
        if request.method not in SAFE_METHODS:
            write_transaction(session)
        yield session
        key_id = getattr(request.state, "touch_api_key", None)
        if key_id is not None:
            users.touch_api_key(session=session, key_id=key_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def get_principal(request: Request) -> Principal:
    """Identify the caller from a Bearer API key or the web session; 401 if neither.

    Authentication uses its own short session, released before the handler's session takes a
    connection, so a request never holds two pooled connections at once.
    """
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    token = _bearer_token(request)
    stale_key: int | None = None
    with factory() as session:
        if token:
            key = users.authenticate_api_key(session=session, token=token)
            principal = users.principal_for_key(key)
            stale_key = key.id if users.needs_touch(key) else None
        else:
            principal = _web_principal(request, session)
        session.rollback()
    if stale_key is not None:
        if request.method in SAFE_METHODS:
            _touch_key(factory, stale_key)
        else:
            # A writer already holds the SQLite write lock in the request's own session:
            # get_session records the use there, just before it commits.
            request.state.touch_api_key = stale_key
    request.state.principal = principal
    return principal


def _web_principal(request: Request, session: Session) -> Principal:
    web_session = request.scope.get("session") or {}
    user_id = web_session.get("user_id")
    if not user_id:
        raise Unauthenticated("Send an API key as 'Authorization: Bearer <key>'.")
    if request.method not in SAFE_METHODS and not secrets.compare_digest(
        request.headers.get("x-csrf-token", ""), str(web_session.get("csrf", ""))
    ):
        raise PermissionDenied("Missing or wrong X-CSRF-Token header for a cookie session.")
    user = users.get_user(session=session, user_id=int(user_id))
    if user is None or not user.is_active:
        raise Unauthenticated("Your session has ended; log in again.")
    return users.principal_for_user(user)


def _touch_key(factory: sessionmaker[Session], key_id: int) -> None:
    """Record when a key was last used, in its own short transaction; never fail the request."""
    try:
        with unit_of_work(factory) as touch:
            users.touch_api_key(session=touch, key_id=key_id)
    except OperationalError:
        log.info("auth.api_key.touch_skipped", extra={"key_id": key_id})


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: str) -> Callable[[Principal], Principal]:
    """Return a dependency that lets the request through only if the caller holds ``permission``."""

    def _check(principal: PrincipalDep) -> Principal:
        if not allows(principal.role, permission):
            raise PermissionDenied(
                f"Role {principal.role.value!r} may not {permission.replace(':', ' ')}."
            )
        return principal

    return _check


def page_params(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, le=10_000, description="Page size.")] = None,
    offset: Annotated[int | None, Query(ge=0, le=10_000_000, description="Rows to skip.")] = None,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="next_cursor of the previous page.")
    ] = None,
    sort: Annotated[
        str | None, Query(max_length=60, description="Sort key; prefix - for descending.")
    ] = None,
) -> PageParams:
    """Read pagination and sorting from the query string."""
    size = min(limit or settings.default_page_size, settings.max_page_size)
    return PageParams(limit=size, offset=offset, cursor=cursor, sort=sort)


PageDep = Annotated[PageParams, Depends(page_params)]


def actor_name(principal: Principal) -> str:
    """Describe the caller for timeline and audit entries."""
    return f"{principal.kind}:{principal.name}"
