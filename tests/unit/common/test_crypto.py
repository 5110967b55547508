"""Field encryption: round trip, no clear text in the token, wrong key refused."""

from __future__ import annotations

import pytest

from maitre.common.crypto import DecryptionFailed, decrypt_field, encrypt_field


def test_encrypted_field_round_trips_and_hides_the_plaintext() -> None:
    token = encrypt_field(secret="s3cret", plaintext="sk-live-123")
    assert "sk-live-123" not in token
    assert token != encrypt_field(secret="s3cret", plaintext="sk-live-123")  # random IV
    assert decrypt_field(secret="s3cret", token=token) == "sk-live-123"


def test_another_secret_key_cannot_decrypt() -> None:
    token = encrypt_field(secret="one", plaintext="sk-live-123")
    with pytest.raises(DecryptionFailed):
        decrypt_field(secret="two", token=token)


@pytest.mark.parametrize("token", ["", "not a token", "gAAAAA" + "x" * 80, "密钥"])
def test_damaged_tokens_are_refused(token: str) -> None:
    with pytest.raises(DecryptionFailed):
        decrypt_field(secret="one", token=token)
