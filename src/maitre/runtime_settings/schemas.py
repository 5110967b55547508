"""API shapes of the runtime settings: the list an admin reads, the patch an admin sends."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, SecretStr

from maitre.runtime_settings.fields import Section


class RuntimeSettingRead(BaseModel):
    key: str
    section: Section
    secret: bool = Field(description="Secrets are write-only: value and default are null.")
    value: JsonValue = Field(description="The value in force (environment or override).")
    default: JsonValue = Field(description="The environment's value, used when not overridden.")
    overridden: bool
    is_set: bool = Field(description="Whether the value in force is not empty.")
    unreadable: bool = Field(
        description="An override is stored but cannot be read (e.g. the secret key changed)."
    )
    updated_by: str | None
    updated_at: datetime | None


class RuntimeSettingsRead(BaseModel):
    items: list[RuntimeSettingRead]


class RuntimeSettingsPatch(BaseModel):
    """Keys to change; ``null`` removes the override so the environment's value applies again.

    The bounds repeat those of ``maitre.config.Settings`` for the OpenAPI document; the service
    validates again with the Settings fields themselves.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"return_window_days": 14, "llm_api_key": None}]},
    )

    llm_base_url: str | None = Field(
        default=None, max_length=2000, description="OpenAI-compatible base URL; empty: no LLM."
    )
    llm_model: str | None = Field(default=None, min_length=1, max_length=200)
    llm_api_key: SecretStr | None = Field(
        default=None, max_length=1000, description="Write-only; never returned."
    )
    llm_timeout_seconds: float | None = Field(default=None, gt=0, le=300, allow_inf_nan=False)
    return_window_days: int | None = Field(default=None, ge=0, le=3650)
    refund_handoff_limit: Decimal | None = Field(
        default=None, ge=0, lt=Decimal("1e10"), decimal_places=2, allow_inf_nan=False
    )
    cancel_allowed_statuses: list[Literal["pending", "paid"]] | None = Field(
        default=None, max_length=2
    )
    delivery_estimate_days: int | None = Field(default=None, ge=0, le=365)
    kb_min_confidence: float | None = Field(
        default=None, ge=0, le=1, allow_inf_nan=False, description="Least KB confidence to answer."
    )
