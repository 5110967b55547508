"""API shapes for orders and their lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from maitre.common.ids import RefId
from maitre.common.money import Money, MoneyIn
from maitre.orders.status import OrderChannel, OrderStatus
from maitre.products.schemas import CURRENCY_PATTERN, SKU_PATTERN

NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$"
MAX_QUANTITY = 1_000_000
FUTURE_SLACK = timedelta(hours=1)  # clock skew tolerated on a given placed_at


def as_utc(value: datetime) -> datetime:
    """Read a timestamp without a zone as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _number(value: Any) -> Any:
    return value.strip().lstrip("#") if isinstance(value, str) else value


UTCDateTime = Annotated[datetime, AfterValidator(as_utc)]


class OrderLineIn(BaseModel):
    """One line of a new order: name the product by ``product_id`` or ``sku``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    product_id: RefId | None = None
    sku: str | None = Field(default=None, pattern=SKU_PATTERN)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    unit_price: MoneyIn | None = Field(
        default=None, description="Defaults to the product's current price."
    )

    @model_validator(mode="after")
    def _names_a_product(self) -> Self:
        if self.product_id is None and self.sku is None:
            raise ValueError("a line needs product_id or sku")
        return self


class _Timestamps(BaseModel):
    shipped_at: UTCDateTime | None = None
    delivered_at: UTCDateTime | None = None

    def _check_order(self, placed_at: datetime | None) -> None:
        if placed_at and self.shipped_at and self.shipped_at < placed_at:
            raise ValueError("shipped_at is before placed_at")
        if self.shipped_at and self.delivered_at and self.delivered_at < self.shipped_at:
            raise ValueError("delivered_at is before shipped_at")
        if placed_at and self.delivered_at and self.delivered_at < placed_at:
            raise ValueError("delivered_at is before placed_at")


class OrderCreate(_Timestamps):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str | None = Field(
        default=None,
        pattern=NUMBER_PATTERN,
        description="Customer-facing order number; generated (MT-000123) when left out.",
    )
    customer_id: RefId
    status: OrderStatus = OrderStatus.PENDING
    channel: OrderChannel = OrderChannel.WEB
    currency: str | None = Field(
        default=None, pattern=CURRENCY_PATTERN, description="Defaults to the products' currency."
    )
    placed_at: UTCDateTime | None = Field(
        default=None,
        description="When the order was placed; defaults to now. A time more than an hour in "
        "the past marks a historical import, which does not touch stock.",
    )
    cancelled_at: UTCDateTime | None = None
    returned_at: UTCDateTime | None = None
    tracking_number: str | None = Field(default=None, max_length=100)
    carrier: str | None = Field(default=None, max_length=60)
    shipping_address: str | None = Field(default=None, max_length=2000)
    discount: MoneyIn = Decimal("0.00")
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)

    _clean_number = field_validator("number", mode="before")(_number)
    _currency = field_validator("currency", mode="before")(_upper)

    @field_validator("placed_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + FUTURE_SLACK:
            raise ValueError("placed_at is in the future")
        return value

    @model_validator(mode="after")
    def _timestamps_in_order(self) -> Self:
        self._check_order(self.placed_at)
        return self


class OrderUpdate(_Timestamps):
    """Fields a PATCH may change; ``lines``, ``discount`` and ``shipping_address`` only before
    the order ships. ``status`` follows the allowed transitions."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: OrderStatus | None = None
    channel: OrderChannel | None = None
    tracking_number: str | None = Field(default=None, max_length=100)
    carrier: str | None = Field(default=None, max_length=60)
    shipping_address: str | None = Field(default=None, max_length=2000)
    discount: MoneyIn | None = None
    lines: list[OrderLineIn] | None = Field(default=None, min_length=1, max_length=500)

    _required = field_validator("status", "channel", "discount", "lines", mode="before")(_not_null)

    @model_validator(mode="after")
    def _timestamps_in_order(self) -> Self:
        self._check_order(None)
        return self


class OrderLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    customer_id: int
    status: OrderStatus
    channel: OrderChannel
    currency: str
    lines: list[OrderLineRead]
    subtotal: Money
    discount: Money
    total: Money = Field(
        description="Decimal string: the sum of quantity × unit_price over lines, less discount."
    )
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None
    tracking_number: str | None
    carrier: str | None
    shipping_address: str | None
    created_at: datetime
    updated_at: datetime


class OrderPage(BaseModel):
    items: list[OrderRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None
