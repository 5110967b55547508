"""Signatures: the documented HMAC-SHA256 of "{timestamp}.{body}", and verification."""

from __future__ import annotations

import hashlib
import hmac

from maitre.webhooks import signing


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"1","type":"customer.created"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signing.sign(secret="s3cret", timestamp=1700000000, body=body) == f"sha256={expected}"


def test_verify_accepts_fresh_and_rejects_tampered_or_old() -> None:
    body = b'{"a":1}'
    sig = signing.sign(secret="k", timestamp=1000, body=body)
    assert signing.verify(secret="k", timestamp="1000", body=body, signature=sig, now=1010)
    assert not signing.verify(
        secret="k", timestamp="1000", body=b'{"a":2}', signature=sig, now=1010
    )
    assert not signing.verify(secret="x", timestamp="1000", body=body, signature=sig, now=1010)
    assert not signing.verify(secret="k", timestamp="1000", body=body, signature=sig, now=5000)
    assert not signing.verify(secret="k", timestamp="soon", body=body, signature=sig, now=1000)


def test_headers_carry_event_delivery_timestamp_and_signature() -> None:
    headers = signing.headers(
        secret="k", event_type="order.updated", delivery_id=7, timestamp=42, body=b"{}"
    )
    assert headers["X-Maitre-Event"] == "order.updated"
    assert headers["X-Maitre-Delivery"] == "7"
    assert headers["X-Maitre-Timestamp"] == "42"
    assert headers["X-Maitre-Signature"] == signing.sign(secret="k", timestamp=42, body=b"{}")


def test_generated_secrets_are_unique_and_long() -> None:
    a, b = signing.generate_secret(), signing.generate_secret()
    assert a != b and a.startswith("whsec_") and len(a) >= 40
