"""Which settings keys an administrator may override, and how their values are checked.

Every value is validated with the type and constraints of the same field of
``maitre.config.Settings`` (so an override can never make a Settings the environment could not),
then by the key's stricter input rule, if any (a base URL must be an http(s) URL, …).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import SecretStr, TypeAdapter

from maitre.config import Settings

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]*$")  # what may follow "Bearer " in an HTTP header
_MONEY_CAP = Decimal("1e10")  # order totals are NUMERIC(12, 2)


class Section(StrEnum):
    LLM = "llm"
    RULES = "rules"


def _base_url(value: Any) -> Any:
    text = str(value).strip()
    if not text:
        return ""
    if len(text) > 2000 or _CONTROL.search(text) or " " in text:
        raise ValueError("Enter an http:// or https:// URL without spaces.")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("Enter an http:// or https:// URL, e.g. http://localhost:11434/v1.")
    return text.rstrip("/")


def _model(value: Any) -> Any:
    text = str(value).strip()
    if not text or len(text) > 200 or _CONTROL.search(text):
        raise ValueError("Enter a model name of 1 to 200 characters.")
    return text


def _api_key(value: Any) -> Any:
    text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    if len(text) > 1000 or not _HEADER_SAFE.match(text):
        raise ValueError("A key has at most 1000 printable characters and no spaces.")
    return SecretStr(text)


def _money(value: Any) -> Any:
    amount = Decimal(value)
    cents = amount.quantize(Decimal("0.01")) if amount < _MONEY_CAP else None
    if cents is None or cents != amount:
        raise ValueError("Enter an amount below 10,000,000,000 with at most 2 decimals.")
    return cents


def _statuses(value: Any) -> Any:
    return list(dict.fromkeys(value))  # drop repeats, keep the order


@dataclass(frozen=True)
class FieldSpec:
    """One overridable key: its page section, whether it is secret, its extra input rule."""

    key: str
    section: Section
    secret: bool = False
    check: Callable[[Any], Any] | None = None


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        FieldSpec("llm_base_url", Section.LLM, check=_base_url),
        FieldSpec("llm_model", Section.LLM, check=_model),
        FieldSpec("llm_api_key", Section.LLM, secret=True, check=_api_key),
        FieldSpec("llm_timeout_seconds", Section.LLM),
        FieldSpec("return_window_days", Section.RULES),
        FieldSpec("refund_handoff_limit", Section.RULES, check=_money),
        FieldSpec("cancel_allowed_statuses", Section.RULES, check=_statuses),
        FieldSpec("delivery_estimate_days", Section.RULES),
        FieldSpec("kb_min_confidence", Section.RULES),
    )
}


@cache
def adapter(key: str) -> TypeAdapter[Any]:
    """Return a validator with the type and constraints of ``Settings.<key>``."""
    info = Settings.model_fields[key]
    return TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type,name-defined]


def validate(key: str, value: Any) -> Any:
    """Return ``value`` checked and converted for ``key``; raise ``pydantic.ValidationError``
    (wrong type, out of bounds) or ``ValueError`` (the key's input rule)."""
    checked = adapter(key).validate_python(value)
    spec = FIELDS[key]
    return spec.check(checked) if spec.check else checked


def to_json(key: str, value: Any) -> Any:
    """Return the JSON form of a validated non-secret value (Decimal as a string, …)."""
    return adapter(key).dump_python(value, mode="json")


def from_json(key: str, stored: Any) -> Any:
    """Return a stored non-secret value as the Settings field's type (re-validated)."""
    return adapter(key).validate_python(stored)
