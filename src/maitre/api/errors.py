"""Map every error to RFC 9457 problem JSON; the only place that knows HTTP status codes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from maitre.errors import MaitreError, RateLimited

log = logging.getLogger("maitre.api")
PROBLEM_BASE = "https://maitre.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(
    status: int, title: str, detail: str = "", slug: str = "", **extra: Any
) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or str(status)),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


async def _maitre_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MaitreError)
    errors = [{"loc": e.loc, "msg": e.msg, "type": e.type} for e in exc.errors] or None
    response = problem(
        exc.status, exc.title, str(exc), exc.slug, errors=errors, **_jsonable(exc.extra)
    )
    if isinstance(exc, RateLimited) and "retry_after" in exc.extra:
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(err.get("loc", [])), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
    return problem(
        422,
        "Validation failed",
        f"Invalid request: {fields}",
        "validation-failed",
        errors=_jsonable(errors),
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {
        404: "Not found",
        405: "Method not allowed",
        401: "Unauthorized",
        403: "Forbidden",
        413: "Payload too large",
        429: "Too many requests",
    }.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    response = problem(exc.status_code, title, detail, str(exc.status_code))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
    # A number the database cannot store reached a query: bad input, not a server fault.
    log.info("api.value_out_of_range", extra={"error": str(exc)[:200]})
    return problem(
        422,
        "Validation failed",
        "A value is out of the range the store accepts.",
        "validation-failed",
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("api.unhandled_error", extra={"path": request.url.path})
    return problem(
        500,
        "Internal server error",
        "Something went wrong on our side; the error was logged.",
        "internal",
    )


def install(app: FastAPI) -> None:
    """Register the problem-JSON handlers on ``app``."""
    app.add_exception_handler(MaitreError, _maitre_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(Exception, _unexpected)
