"""Mask contact details for roles that may not see them.

Policy: admins, agents and sales staff work with customers directly and see email, phone and
address in full; analysts work on aggregates and see them masked (``a•••@example.com``,
``••• 0123``, "hidden"). The masking happens when the page is rendered, so the full value never
reaches an analyst's browser.
"""

from __future__ import annotations

from maitre.users.roles import Role

CONTACT_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.SALES})
DOTS = "•••"


def may_see_contact(role: Role | None) -> bool:
    """Tell whether ``role`` may see customers' email, phone and address unmasked."""
    return role in CONTACT_ROLES


def mask_email(value: str | None) -> str:
    """Keep the first letter and the domain of an email address."""
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}{DOTS}@{domain}" if domain else DOTS


def mask_phone(value: str | None) -> str:
    """Keep only the last two digits of a phone number."""
    if not value:
        return ""
    digits = [c for c in value if c.isdigit()]
    return f"{DOTS} {''.join(digits[-2:])}" if len(digits) > 4 else DOTS


def mask_address(value: str | None) -> str:
    """Hide a postal address completely."""
    return "" if not value else DOTS
