"""Signed widget tokens: round trip, expiry, tampering, secrets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from maitre.config import Settings
from maitre.conversations import widget_tokens
from maitre.db.base import utcnow
from maitre.errors import Unauthenticated, ValidationFailed


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="unit-secret", **values)  # type: ignore[arg-type]


def test_a_token_names_its_customer_until_it_expires(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    now = utcnow()
    facts, token = widget_tokens.issue(settings=settings, customer_id=42, ttl_seconds=300, now=now)
    assert token.startswith("wct1.") and facts.customer_id == 42
    verified = widget_tokens.verify(settings=settings, token=token, now=now)
    assert verified.customer_id == 42
    assert verified.expires_at == facts.expires_at.replace(microsecond=0)
    with pytest.raises(Unauthenticated, match="expired"):
        widget_tokens.verify(settings=settings, token=token, now=now + timedelta(seconds=301))


def test_forged_or_foreign_tokens_are_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _facts, token = widget_tokens.issue(settings=settings, customer_id=7, ttl_seconds=300)
    version, payload, signature = token.split(".")
    other_payload = widget_tokens._b64(b'{"c":8,"exp":4102444800}')
    # Change the first character: all its bits count (the last one's low bits may be padding,
    # and a fixed replacement could equal what was there).
    tampered = ("B" if signature[0] == "A" else "A") + signature[1:]
    for bad in (
        f"{version}.{other_payload}.{signature}",
        f"{version}.{payload}.{tampered}",
        f"wct2.{payload}.{signature}",
        "",
        "a.b",
        "x" * 5000,
    ):
        with pytest.raises(Unauthenticated):
            widget_tokens.verify(settings=settings, token=bad)
    elsewhere = _settings(tmp_path, widget_token_secret="another-shop")
    with pytest.raises(Unauthenticated):
        widget_tokens.verify(settings=elsewhere, token=token)


def test_signed_junk_claims_are_refused_not_crashed(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    secret = widget_tokens.secret_for(settings)
    for claims in (b"[]", b'{"c":"x","exp":1}', b"\xff", b'{"c":1,"exp":1e300}'):
        body = f"wct1.{widget_tokens._b64(claims)}"
        token = f"{body}.{widget_tokens._sign(secret, body)}"
        with pytest.raises(Unauthenticated):
            widget_tokens.verify(settings=settings, token=token)


def test_lifetimes_are_bounded_and_the_secret_is_derived(tmp_path: Path) -> None:
    settings = _settings(tmp_path, widget_token_max_ttl_s=600)
    with pytest.raises(ValidationFailed):
        widget_tokens.issue(settings=settings, customer_id=1, ttl_seconds=601)
    derived = widget_tokens.secret_for(settings)
    assert derived != b"unit-secret" and len(derived) == 32
    configured = _settings(tmp_path, widget_token_secret="s3cret")
    assert widget_tokens.secret_for(configured) == b"s3cret"
