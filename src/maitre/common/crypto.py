"""Field encryption: secrets the app must read back in clear (an LLM key) stored encrypted.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from the app's ``secret_key``, so a copy
of the database alone does not reveal them. Rotating ``secret_key`` makes old values unreadable:
callers treat that as "not set" and the admin enters the secret again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

_LABEL = b"maitre/field-encryption/v1"


class DecryptionFailed(Exception):
    """A stored value cannot be decrypted (another secret key, or a damaged value)."""


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    digest = hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_field(*, secret: str, plaintext: str) -> str:
    """Return ``plaintext`` encrypted with a key derived from ``secret`` (ASCII token)."""
    return _fernet(secret).encrypt(plaintext.encode()).decode("ascii")


def decrypt_field(*, secret: str, token: str) -> str:
    """Return the plaintext of ``token``; raise ``DecryptionFailed`` if it cannot be read."""
    try:
        return _fernet(secret).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise DecryptionFailed(
            "The stored value cannot be decrypted with this secret key."
        ) from exc
