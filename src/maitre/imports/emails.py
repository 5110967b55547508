"""A cached fast path for the email check that ``EmailStr`` runs, for plain ASCII addresses.

``email_validator`` spends ~30 µs on every address, mostly re-checking the domain; a million-row
import has a million addresses but only a few thousand domains. ``fast_email`` accepts only
what ``EmailStr`` certainly accepts — a dot-atom ASCII local part (the pattern
``email_validator`` itself tries first) at a domain that ``email_validator`` has approved
(cached per domain), within the length limits — and returns the same address, lowercased as
the customers service stores it. Anything else returns ``None`` and gets the full check, so
errors read exactly as the API's. ``tests/unit/imports/test_emails.py`` checks agreement.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

_ATEXT = r"a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~"
_ADDRESS = re.compile(rf"([{_ATEXT}]+(?:\.[{_ATEXT}]+)*)@([^@\s<>\"\\]+)")
MAX_LENGTH = 254  # octets, RFC 5321 as email_validator checks it


@lru_cache(maxsize=8192)
def _domain(domain: str) -> tuple[str, int] | None:
    """Return ``domain`` normalised and its longest form in octets, or ``None`` if not valid."""
    try:
        info = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    longest = max(len(domain.encode()), len(info.domain.encode()), len(info.ascii_domain))
    return info.domain, longest


def fast_email(value: str) -> str | None:
    """Return ``value`` validated and normalised (lowercase), or ``None`` to do the full check."""
    match = _ADDRESS.fullmatch(value)
    if match is None:
        return None
    local, domain = match.groups()
    forms = _domain(domain)
    if forms is None:
        return None
    normalised, longest = forms
    if len(local) + 1 + longest > MAX_LENGTH:
        return None
    return f"{local}@{normalised}".lower()
