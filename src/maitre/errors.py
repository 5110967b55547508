"""The exceptions Maitre raises on purpose.

    MaitreError
    ├── NotFound               a requested object does not exist (404)
    ├── Conflict               a uniqueness or state conflict (409)
    ├── PermissionDenied       the caller may not do this (403)
    ├── Unauthenticated        no or bad credentials (401)
    ├── ValidationFailed       input is well-formed but wrong (422), optional field errors
    ├── RateLimited            too many requests (429)
    └── ExternalServiceError   a database, queue, LLM or webhook target failed (502)

They are mapped to RFC 9457 problem JSON in one place, ``maitre.api.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class FieldError:
    """One problem with one input field."""

    loc: list[str | int]
    msg: str
    type: str = "value_error"


@dataclass
class MaitreError(Exception):
    """Base of every deliberate error."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"

    def __str__(self) -> str:
        return self.detail or self.title


class NotFound(MaitreError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(MaitreError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PermissionDenied(MaitreError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class Unauthenticated(MaitreError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class ValidationFailed(MaitreError):
    status = 422
    title = "Validation failed"
    slug = "validation-failed"


class RateLimited(MaitreError):
    status = 429
    title = "Too many requests"
    slug = "rate-limited"


class ExternalServiceError(MaitreError):
    status = 502
    title = "External service error"
    slug = "external-service-error"
