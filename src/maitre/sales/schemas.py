"""API shapes for leads, deals and lead conversion."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from maitre.common.ids import RefId
from maitre.common.money import Money, MoneyIn
from maitre.customers.schemas import CustomerRead
from maitre.sales.models import DealStage, LeadStatus

# Primary keys are 32-bit integers on PostgreSQL; larger ids would be a database error.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null; omit the field to leave it unchanged")
    return value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _not_converted(value: LeadStatus | None) -> LeadStatus | None:
    if value == LeadStatus.CONVERTED:
        raise ValueError("use POST /api/v1/leads/{id}/convert to convert a lead")
    return value


class LeadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=60)
    status: LeadStatus = LeadStatus.NEW
    score: Score | None = None
    owner_id: RefId | None = None
    customer_id: RefId | None = None
    notes: str = Field(default="", max_length=10_000)

    _status = field_validator("status")(_not_converted)


class LeadUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=60)
    status: LeadStatus | None = None
    score: Score | None = None
    owner_id: RefId | None = None
    customer_id: RefId | None = None
    notes: str | None = Field(default=None, max_length=10_000)

    _status = field_validator("status")(_not_converted)
    _required = field_validator("name", "status", "notes", mode="before")(_not_null)


class LeadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str | None
    phone: str | None
    company: str | None
    source: str | None
    status: LeadStatus
    score: float | None
    owner_id: int | None
    customer_id: int | None
    notes: str
    converted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LeadPage(BaseModel):
    items: list[LeadRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class DealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    customer_id: RefId
    lead_id: RefId | None = None
    stage: DealStage = DealStage.QUALIFICATION
    value: MoneyIn = Decimal("0.00")
    currency: str = Field(default="USD", pattern=CURRENCY_PATTERN, description="ISO 4217 code.")
    owner_id: RefId | None = None
    expected_close: date | None = None

    _currency = field_validator("currency", mode="before")(_upper)


class DealUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    stage: DealStage | None = None
    value: MoneyIn | None = None
    currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN)
    owner_id: RefId | None = None
    expected_close: date | None = None

    _currency = field_validator("currency", mode="before")(_upper)
    _required = field_validator("title", "stage", "value", "currency", mode="before")(_not_null)


class DealRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    customer_id: int
    lead_id: int | None
    stage: DealStage
    value: Money
    currency: str
    owner_id: int | None
    expected_close: date | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DealPage(BaseModel):
    items: list[DealRead]
    total: int
    limit: int
    offset: int | None = None
    next_cursor: str | None = None


class DealDraft(BaseModel):
    """The deal a conversion opens; anything left out comes from the lead."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=200)
    stage: DealStage = DealStage.QUALIFICATION
    value: MoneyIn = Decimal("0.00")
    currency: str = Field(default="USD", pattern=CURRENCY_PATTERN)
    owner_id: RefId | None = None
    expected_close: date | None = None

    _currency = field_validator("currency", mode="before")(_upper)


class LeadConvert(BaseModel):
    """How to convert: link a given customer (else match by email, else create) and open a deal."""

    model_config = ConfigDict(extra="forbid")

    customer_id: RefId | None = None
    create_deal: bool = True
    deal: DealDraft = Field(default_factory=DealDraft)


class LeadConversion(BaseModel):
    lead: LeadRead
    customer: CustomerRead
    customer_created: bool
    deal: DealRead | None
