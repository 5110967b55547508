"""The cached email fast path agrees with EmailStr on everything it accepts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import EmailStr, TypeAdapter, ValidationError

from maitre.imports.emails import fast_email

EMAIL = TypeAdapter(EmailStr)
LOCAL_CHARS = "abcXYZ019._%+-!#$&'*/=?^`{|}~\"(),:;<>@[\\] é"
DOMAINS = [
    "example.com",
    "EXAMPLE.org",
    "mail.co.uk",
    "xn--bcher-kva.com",
    "bücher.de",
    "localhost",
    "foo.test",
    "-bad.com",
    "a..b.com",
    "x.c0m",
    "123.456",
    "[127.0.0.1]",
    "a" * 64 + ".com",
    ("a" * 60 + ".") * 4 + "com",
]


def _full(value: str) -> str | None:
    try:
        return EMAIL.validate_python(value).lower()
    except ValidationError:
        return None


@settings(max_examples=600, deadline=None)
@given(
    local=st.text(alphabet=LOCAL_CHARS, min_size=0, max_size=70), domain=st.sampled_from(DOMAINS)
)
def test_fast_path_never_accepts_what_emailstr_refuses(local: str, domain: str) -> None:
    value = f"{local}@{domain}"
    fast = fast_email(value)
    if fast is not None:
        assert fast == _full(value)


@pytest.mark.parametrize(
    "value",
    ["Ada.Lovelace+crm@Example.COM", "o'brien@mail.co.uk", "x@bücher.de", "a@xn--bcher-kva.com"],
)
def test_plain_addresses_take_the_fast_path(value: str) -> None:
    assert fast_email(value) == _full(value)


@pytest.mark.parametrize(
    "value", ["Ada <ada@example.com>", "a..b@example.com", "ada@localhost", "zoë@example.com", ""]
)
def test_anything_unusual_gets_the_full_check(value: str) -> None:
    assert fast_email(value) is None


def test_overlong_addresses_get_the_full_check() -> None:
    value = "a" * 250 + "@example.com"
    assert fast_email(value) is None
    assert _full(value) is None
