"""API shapes for customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"


def _clean_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    seen: list[str] = []
    for tag in tags:
        tag = tag.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class CustomerBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    language: str = Field(default="en", pattern=LANGUAGE_PATTERN)
    address: str | None = Field(default=None, max_length=2000)
    country: str | None = Field(default=None, max_length=60)
    tags: list[str] = Field(default_factory=list, max_length=100)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    marketing_consent: bool = False
    data_processing_consent: bool = True
    external_id: str | None = Field(default=None, max_length=100)

    _tags = field_validator("tags")(_clean_tags)


class CustomerCreate(CustomerBase):
    name: str = Field(min_length=1, max_length=200)


class CustomerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    address: str | None = Field(default=None, max_length=2000)
    country: str | None = Field(default=None, max_length=60)
    tags: list[str] | None = Field(default=None, max_length=100)
    custom_fields: dict[str, Any] | None = None
    marketing_consent: bool | None = None
    data_processing_consent: bool | None = None
    external_id: str | None = Field(default=None, max_length=100)

    _tags = field_validator("tags")(_clean_tags)

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> CustomerUpdate:
        for name in (
            "name",
            "language",
            "tags",
            "custom_fields",
            "marketing_consent",
            "data_processing_consent",
        ):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str | None
    phone: str | None
    company: str | None
    language: str
    address: str | None
    country: str | None
    tags: list[str]
    custom_fields: dict[str, Any]
    marketing_consent: bool
    data_processing_consent: bool
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
