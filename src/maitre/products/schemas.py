"""API shapes for products."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from maitre.common.money import Money, MoneyIn

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
MAX_STOCK = 1_000_000_000


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(pattern=SKU_PATTERN, description="Stock keeping unit; unique.")
    name: str = Field(min_length=1, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    price: MoneyIn
    currency: str = Field(default="USD", pattern=CURRENCY_PATTERN, description="ISO 4217 code.")
    stock: int = Field(default=0, ge=0, le=MAX_STOCK)
    description: str | None = Field(default=None, max_length=10_000)
    is_active: bool = True

    _currency = field_validator("currency", mode="before")(_upper)


class ProductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str | None = Field(default=None, pattern=SKU_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    price: MoneyIn | None = None
    currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN)
    stock: int | None = Field(default=None, ge=0, le=MAX_STOCK)
    description: str | None = Field(default=None, max_length=10_000)
    is_active: bool | None = None

    _currency = field_validator("currency", mode="before")(_upper)
    _required = field_validator(
        "sku", "name", "price", "currency", "stock", "is_active", mode="before"
    )(_not_null)


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    category: str | None
    price: Money
    currency: str
    stock: int
    description: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
