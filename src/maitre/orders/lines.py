"""Order lines: resolve products by id or sku, price them, total them, and hold their stock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from maitre.common.money import MONEY_MAX, quantize
from maitre.errors import FieldError, ValidationFailed
from maitre.orders.models import OrderLine
from maitre.orders.schemas import OrderLineIn
from maitre.products import service as products
from maitre.products.models import Product


@dataclass(frozen=True)
class PricedLine:
    """A requested line matched to its product, with the price it sells at."""

    product: Product
    quantity: int
    unit_price: Decimal

    def key(self) -> tuple[int, int, Decimal]:
        """Return what identifies the line's content (to tell whether lines changed)."""
        return (self.product.id, self.quantity, self.unit_price)


def _invalid(errors: list[FieldError]) -> ValidationFailed:
    first = f"{'.'.join(str(p) for p in errors[0].loc)}: {errors[0].msg}"
    return ValidationFailed(f"{len(errors)} order line error(s); {first}.", errors=errors)


def _match(
    line: OrderLineIn, loc: list[str | int], by_id: dict[int, Product], by_sku: dict[str, Product]
) -> Product | FieldError:
    if line.product_id is not None:
        product = by_id.get(line.product_id)
        if product is None:
            return FieldError([*loc, "product_id"], f"no product with id {line.product_id}")
        if line.sku is not None and line.sku != product.sku:
            return FieldError(
                [*loc, "sku"], f"sku {line.sku!r} is not product {product.id} ({product.sku})"
            )
        return product
    assert line.sku is not None  # the schema requires product_id or sku
    found = by_sku.get(line.sku)
    return found or FieldError([*loc, "sku"], f"no product with sku {line.sku!r}", "not_found")


def price_lines(
    *,
    session: Session,
    lines: Sequence[OrderLineIn],
    currency: str | None,
    for_sale: bool,
) -> tuple[list[PricedLine], str]:
    """Match each line to a product and price it; return the lines and the order's currency.

    Every bad line is reported at once, located as ``body.lines.<i>.<field>``. A line without a
    ``unit_price`` takes the product's price, which must be in the order's currency. With
    ``for_sale``, inactive products are refused (historical imports may name them).
    """
    found = products.get_many(
        session=session,
        ids=[line.product_id for line in lines if line.product_id is not None],
        skus=[line.sku for line in lines if line.sku is not None],
    )
    by_id = {p.id: p for p in found}
    by_sku = {p.sku: p for p in found}
    errors: list[FieldError] = []
    matched: list[tuple[int, OrderLineIn, Product]] = []
    for i, line in enumerate(lines):
        result = _match(line, ["body", "lines", i], by_id, by_sku)
        if isinstance(result, FieldError):
            errors.append(result)
        else:
            matched.append((i, line, result))
    if errors:
        raise _invalid(errors)
    currency = currency or (matched[0][2].currency if matched else "USD")
    priced: list[PricedLine] = []
    for i, line, product in matched:
        loc: list[str | int] = ["body", "lines", i]
        if for_sale and not product.is_active:
            errors.append(FieldError([*loc, "product_id"], f"{product.sku} is not for sale"))
        if line.unit_price is None and product.currency != currency:
            errors.append(
                FieldError(
                    [*loc, "unit_price"],
                    f"{product.sku} is priced in {product.currency}, the order in {currency}; "
                    "give unit_price",
                )
            )
        price = line.unit_price if line.unit_price is not None else product.price
        priced.append(PricedLine(product, line.quantity, quantize(price)))
    if errors:
        raise _invalid(errors)
    return priced, currency


def totals(lines: Iterable[PricedLine | OrderLine], discount: Decimal) -> tuple[Decimal, Decimal]:
    """Return ``(subtotal, total)``; refuse a discount above the subtotal or a huge total."""
    subtotal = quantize(sum((line.unit_price * line.quantity for line in lines), Decimal(0)))
    if discount > subtotal:
        raise ValidationFailed(
            f"The discount {discount} exceeds the order's subtotal {subtotal}.",
            errors=[FieldError(["body", "discount"], "greater than the subtotal")],
        )
    if subtotal > MONEY_MAX:
        raise ValidationFailed(
            f"The order total {subtotal} is larger than the store accepts.",
            errors=[FieldError(["body", "lines"], "total too large")],
        )
    return subtotal, quantize(subtotal - discount)


def to_rows(lines: Iterable[PricedLine]) -> list[OrderLine]:
    """Build order line rows, copying each product's sku and name."""
    return [
        OrderLine(
            product_id=line.product.id,
            sku=line.product.sku,
            name=line.product.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in lines
    ]


def quantities(lines: Iterable[PricedLine | OrderLine]) -> Counter[int]:
    """Return the quantity per product id."""
    counts: Counter[int] = Counter()
    for line in lines:
        pid = line.product.id if isinstance(line, PricedLine) else line.product_id
        counts[pid] += line.quantity
    return counts


def move_stock(*, session: Session, take: Counter[int], give_back: Counter[int]) -> None:
    """Take and give back product stock by the net difference, in product id order.

    A fixed order keeps two concurrent orders from deadlocking on the same rows; taking only the
    net difference means replacing a line with a bigger one needs only the extra stock.
    """
    net = Counter(take)
    net.subtract(give_back)
    for product_id in sorted(net):
        if net[product_id]:
            products.adjust_stock(session=session, product_id=product_id, delta=-net[product_id])
