"""Sign webhook bodies, and verify them (what a receiver does, shown in one place).

``X-Maitre-Signature: sha256=<hex>`` where ``hex`` is the HMAC-SHA256, keyed with the endpoint's
secret, of ``"{timestamp}.{body}"``; ``timestamp`` is the ``X-Maitre-Timestamp`` header (Unix
seconds) and ``body`` the raw request body. Receivers should reject old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_PREFIX = "sha256="
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_S = 300


def generate_secret() -> str:
    """Return a new random signing secret."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """Return the ``X-Maitre-Signature`` header value for ``body`` sent at ``timestamp``."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Tell whether ``signature`` is valid for ``body`` and ``timestamp`` is recent enough."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_s:
        return False
    expected = sign(secret=secret, timestamp=sent_at, body=body)
    return hmac.compare_digest(expected, signature.strip())


def headers(
    *, secret: str, event_type: str, delivery_id: int, timestamp: int, body: bytes
) -> dict[str, str]:
    """Return the headers of one delivery attempt."""
    return {
        "Content-Type": "application/json",
        "X-Maitre-Event": event_type,
        "X-Maitre-Delivery": str(delivery_id),
        "X-Maitre-Timestamp": str(timestamp),
        "X-Maitre-Signature": sign(secret=secret, timestamp=timestamp, body=body),
    }
