"""Roles and what each may do. Permissions are ``<resource>:<read|write>`` strings."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    SALES = "sales"
    ANALYST = "analyst"
    WIDGET = "widget"


READ_RESOURCES = (
    "customers",
    "products",
    "orders",
    "tickets",
    "leads",
    "deals",
    "notes",
    "timeline",
    "conversations",
    "kb",
    "analytics",
    "nlu",
    "models",
    "imports",
    "exports",
    "campaigns",
)

# Only admins (who hold "*") may read or write these.
ADMIN_ONLY_RESOURCES = ("webhooks", "safety")

_ALL_READ = {f"{r}:read" for r in READ_RESOURCES}

PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({"*"}),
    Role.AGENT: frozenset(
        _ALL_READ
        | {
            f"{r}:write"
            for r in ("customers", "orders", "tickets", "notes", "conversations", "kb", "imports")
        }
    ),
    Role.SALES: frozenset(
        _ALL_READ
        | {f"{r}:write" for r in ("customers", "leads", "deals", "notes", "campaigns", "imports")}
    ),
    Role.ANALYST: frozenset(_ALL_READ),
    Role.WIDGET: frozenset({"chat:use"}),
}


def allows(role: Role, permission: str) -> bool:
    """Tell whether ``role`` holds ``permission``."""
    granted = PERMISSIONS[role]
    return "*" in granted or permission in granted
