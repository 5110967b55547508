"""Signed customer tokens for the chat widget.

A shop's back end, which knows who is logged in on its site, asks Maitre for a token naming
that customer (``POST /api/v1/widget/tokens`` or ``maitre widget token``) and hands it to the
widget; the widget passes it when it starts a conversation, so the agent knows the customer
without asking for email and order number. A token is ``wct1.<payload>.<signature>``: the
payload is base64url JSON ``{"c": customer_id, "exp": unix seconds}``, the signature
HMAC-SHA256 over ``wct1.<payload>`` with ``widget_token_secret`` (derived from ``secret_key``
when unset). Tokens are bearer credentials: keep their lifetime short.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from maitre.config import Settings
from maitre.db.base import utcnow
from maitre.errors import FieldError, Unauthenticated, ValidationFailed

VERSION = "wct1"
MAX_TOKEN_CHARS = 512
_DERIVE_LABEL = b"maitre.widget-token.v1"


@dataclass(frozen=True)
class WidgetToken:
    """A verified token: whom it names and until when it is valid."""

    customer_id: int
    expires_at: datetime


def secret_for(settings: Settings) -> bytes:
    """Return the signing secret: the configured one, else one derived from ``secret_key``."""
    configured = settings.widget_token_secret.get_secret_value()
    if configured:
        return configured.encode()
    base = settings.resolved_secret_key().encode()
    return hmac.new(base, _DERIVE_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, message: str) -> str:
    return _b64(hmac.new(secret, message.encode(), hashlib.sha256).digest())


def issue(
    *, settings: Settings, customer_id: int, ttl_seconds: int, now: datetime | None = None
) -> tuple[WidgetToken, str]:
    """Return the facts and the signed text of a token naming ``customer_id``."""
    if not 1 <= ttl_seconds <= settings.widget_token_max_ttl_s:
        raise ValidationFailed(
            f"ttl_seconds must be between 1 and {settings.widget_token_max_ttl_s}.",
            errors=[FieldError(loc=["body", "ttl_seconds"], msg="out of range")],
        )
    expires_at = (now or utcnow()) + timedelta(seconds=ttl_seconds)
    payload = json.dumps(
        {"c": customer_id, "exp": int(expires_at.timestamp())}, separators=(",", ":")
    )
    body = f"{VERSION}.{_b64(payload.encode())}"
    token = f"{body}.{_sign(secret_for(settings), body)}"
    return WidgetToken(customer_id=customer_id, expires_at=expires_at), token


def verify(*, settings: Settings, token: str, now: datetime | None = None) -> WidgetToken:
    """Return the token's facts, or raise ``Unauthenticated`` if forged, malformed or expired."""
    parts = token.strip().split(".")
    if len(token) > MAX_TOKEN_CHARS or len(parts) != 3 or parts[0] != VERSION:
        raise Unauthenticated("Malformed customer token.")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret_for(settings), body), parts[2]):
        raise Unauthenticated("Invalid customer token.")
    try:
        claims = json.loads(_unb64(parts[1]))
        customer_id = int(claims["c"])
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (binascii.Error, ValueError, TypeError, KeyError, OverflowError, OSError):
        raise Unauthenticated("Malformed customer token.") from None
    if expires_at <= (now or utcnow()):
        raise Unauthenticated("The customer token has expired; ask the shop for a new one.")
    return WidgetToken(customer_id=customer_id, expires_at=expires_at)
