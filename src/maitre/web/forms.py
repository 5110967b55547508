"""What the page modules share for lists and forms: query parameters, inline errors, answers.

A list page reads its filters with the ``Cursor``/``Sort``/``Search`` parameters, ``pick`` and
``choice``; a form post collects inline errors from a schema or a service error with
``inline_errors``, answers a refused form with ``refused`` (rolled back, the form again, 4xx)
and a done one with ``done`` (a fragment for HTMX or fetch, else a redirect).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Form, Query, Request
from fastapi.responses import Response
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from maitre.common.pagination import PageParams
from maitre.errors import Conflict, MaitreError, ValidationFailed
from maitre.web.core import is_htmx, redirect, render

E = TypeVar("E", bound=StrEnum)
PAGE_SIZE = 25
# What a form post may be refused with and show inline: the schema's and the service's errors.
FORM_ERRORS = (ValidationError, Conflict, ValidationFailed)

Cursor = Annotated[str | None, Query(max_length=1000)]
Sort = Annotated[str | None, Query(max_length=40)]
Search = Annotated[str | None, Query(max_length=200)]
Text = Annotated[str, Form(max_length=2000)]
# Fields of a form model (``Annotated[SomeForm, Form()]``): text as typed, checked afterwards.
Typed = Annotated[str, Field(max_length=2000)]
TypedLong = Annotated[str, Field(max_length=20_000)]


def pick(value: str | None, allowed: tuple[str, ...]) -> str:
    """Return ``value`` when it is one of ``allowed``, else the first (the default)."""
    return value if value in allowed else allowed[0]


def choice(value: str | None, enum: type[E]) -> E | None:
    """Return the member of ``enum`` named by ``value``; anything else means no filter."""
    return enum(value) if value in set(enum) else None


def required(value: str, enum: type[E], what: str) -> E:
    """Return the member of ``enum`` a form sent, or refuse the post (422)."""
    found = choice(value, enum)
    if found is None:
        raise ValidationFailed(f"Unknown {what} {value!r}.")
    return found


def page_params(cursor: str | None, sort: str) -> PageParams:
    """Return the paging of a list page."""
    return PageParams(limit=PAGE_SIZE, cursor=cursor, sort=sort)


def split_tags(text: str) -> list[str]:
    """Split a comma-separated tag field into its non-empty tags."""
    return [t for t in (p.strip() for p in text.split(",")) if t]


def inline_errors(
    exc: ValidationError | MaitreError,
    field: str = "form",
    known: tuple[str, ...] | None = None,
) -> dict[str, str]:
    """Return ``{field name: message}`` for a form from a schema's or a service's error.

    An error naming no field, or (when the form shows only ``known`` fields) a field the form
    does not show, lands on ``field`` (the whole form by default), so no message is lost.
    """
    pairs: list[tuple[str, str]]
    if isinstance(exc, ValidationError):
        pairs = [(str(e["loc"][0]) if e["loc"] else field, e["msg"]) for e in exc.errors()]
    else:
        pairs = [(str(fe.loc[-1]) if fe.loc else field, fe.msg) for fe in exc.errors]
        pairs = pairs or [(field, str(exc))]
    found: dict[str, str] = {}
    for name, message in pairs:
        shown = name if known is None or name in known else field
        found.setdefault(shown, message)
    return found


def status_of(exc: ValidationError | MaitreError) -> int:
    """Return the HTTP status a refused form answers with."""
    return 422 if isinstance(exc, ValidationError) else exc.status


def refused(
    request: Request,
    session: Session,
    template: str,
    errors: dict[str, str],
    status_code: int = 422,
    **context: Any,
) -> Response:
    """Undo the request's writes and show the form again with its inline errors."""
    session.rollback()
    return render(request, template, status_code, errors=errors, **context)


def done(request: Request, url: str, fragment: str | None = None, **context: Any) -> Response:
    """Answer a successful post: the updated ``fragment`` for HTMX or fetch, else a redirect."""
    scripted = is_htmx(request) or request.headers.get("x-requested-with") == "fetch"
    if fragment is not None and scripted:
        return render(request, fragment, **context)
    return redirect(url)
