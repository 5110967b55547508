"""The order and order line tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maitre.db.base import Base, TimestampMixin, utcnow
from maitre.orders.status import OrderChannel, OrderStatus


class Order(TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.PENDING, index=True)
    channel: Mapped[OrderChannel] = mapped_column(String(20), default=OrderChannel.WEB)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    subtotal: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    discount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"), index=True)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    tracking_number: Mapped[str | None] = mapped_column(String(100), index=True)
    carrier: Mapped[str | None] = mapped_column(String(60))
    shipping_address: Mapped[str | None] = mapped_column(Text)
    # True while the order's quantities are taken out of product stock (see service docstring).
    stock_reserved: Mapped[bool] = mapped_column(default=False)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OrderLine.id",
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))  # copied from the product when ordered
    name: Mapped[str] = mapped_column(String(200))  # copied, so history survives renames
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def line_total(self) -> Decimal:
        """Return quantity times unit price."""
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))
