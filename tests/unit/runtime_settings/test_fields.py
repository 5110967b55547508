"""Which keys an admin may override and how values are checked (no database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from maitre.config import Settings
from maitre.runtime_settings import fields
from maitre.runtime_settings.fields import FIELDS, Section
from maitre.runtime_settings.schemas import RuntimeSettingsPatch


def test_every_overridable_key_is_a_settings_field_and_the_patch_names_them_all() -> None:
    assert set(FIELDS) <= set(Settings.model_fields)
    assert set(RuntimeSettingsPatch.model_fields) == set(FIELDS)
    assert {s.key for s in FIELDS.values() if s.section is Section.RULES} == {
        "return_window_days",
        "refund_handoff_limit",
        "cancel_allowed_statuses",
        "delivery_estimate_days",
        "kb_min_confidence",
    }
    assert [s.key for s in FIELDS.values() if s.secret] == ["llm_api_key"]


@pytest.mark.parametrize(
    ("key", "bound"),
    [
        ("return_window_days", "maximum"),
        ("delivery_estimate_days", "maximum"),
        ("kb_min_confidence", "maximum"),
    ],
)
def test_patch_bounds_match_the_settings_fields(key: str, bound: str) -> None:
    setting = Settings.model_json_schema()["properties"][key]
    patch = RuntimeSettingsPatch.model_json_schema()["properties"][key]["anyOf"][0]
    assert patch["minimum"] == setting["minimum"] and patch[bound] == setting[bound]


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("return_window_days", "14", 14),
        ("return_window_days", 0, 0),
        ("refund_handoff_limit", "12.5", Decimal("12.50")),
        ("refund_handoff_limit", "12.500", Decimal("12.50")),
        ("cancel_allowed_statuses", ["paid", "paid"], ["paid"]),
        ("cancel_allowed_statuses", [], []),
        ("llm_base_url", "http://localhost:11434/v1/", "http://localhost:11434/v1"),
        ("llm_base_url", "  ", ""),
        ("llm_timeout_seconds", "2.5", 2.5),
        ("llm_model", " qwen2.5:7b ", "qwen2.5:7b"),
    ],
)
def test_valid_values_are_converted_to_the_settings_type(key: str, raw: Any, expected: Any) -> None:
    assert fields.validate(key, raw) == expected


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("return_window_days", -1),
        ("return_window_days", 3651),
        ("return_window_days", "two weeks"),
        ("return_window_days", ""),
        ("refund_handoff_limit", "-1"),
        ("refund_handoff_limit", "1.234"),
        ("refund_handoff_limit", "1e12"),
        ("refund_handoff_limit", "NaN"),
        ("cancel_allowed_statuses", ["shipped"]),
        ("delivery_estimate_days", 366),
        ("llm_timeout_seconds", 0),
        ("llm_timeout_seconds", 301),
        ("llm_base_url", "ftp://example.com"),
        ("llm_base_url", "localhost:11434"),
        ("llm_base_url", "http://exa mple.com"),
        ("llm_model", ""),
        ("llm_api_key", "has space"),
        ("llm_api_key", "line\nbreak"),
    ],
)
def test_invalid_values_are_refused(key: str, raw: Any) -> None:
    with pytest.raises(ValueError):
        fields.validate(key, raw)


def test_the_api_key_validates_to_a_secret() -> None:
    value = fields.validate("llm_api_key", "sk-abc")
    assert isinstance(value, SecretStr) and value.get_secret_value() == "sk-abc"
    assert "sk-abc" not in repr(value)


def test_stored_json_round_trips_through_the_settings_type() -> None:
    stored = fields.to_json("refund_handoff_limit", Decimal("99.90"))
    assert stored == "99.90"
    assert fields.from_json("refund_handoff_limit", stored) == Decimal("99.90")
