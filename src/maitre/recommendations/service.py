"""Recommend products to a customer, each with a reason, from the active ``recs`` model.

A customer with a purchase history is scored by the registered recommender (the rows it was
trained on, or their current history folded in when they bought only since); the best items
that are active, in stock, in the asked category and not bought before are kept. Each item says
why: the bought products that most support it ("bought Kettle"), else "popular with customers
like you". A customer with no history, or any customer when no model is registered, gets the
most widely bought eligible products ("popular in Tea").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.customers import service as customers
from maitre.ml.recs_crm import MODEL_NAME, RecsBundle, load_bundle
from maitre.ml.registry import ActiveModelCache
from maitre.orders import service as orders
from maitre.orders.status import OrderStatus
from maitre.products import service as products
from maitre.products.models import Product

MAX_LIMIT = 50
SCAN_BATCH = 40
POPULAR_POOL = 500


@dataclass(frozen=True)
class Recommendation:
    """One recommended product and why."""

    product_id: int
    sku: str
    name: str
    category: str | None
    price: Decimal
    score: float
    reason: str
    reason_kind: str
    because_product_ids: list[int] = field(default_factory=list)


@lru_cache(maxsize=8)
def recs_cache(models_dir: Path) -> ActiveModelCache[RecsBundle]:
    """The per-process cache of the active recommender for ``models_dir``."""
    return ActiveModelCache(MODEL_NAME, models_dir, load_bundle)


def bought_products(*, session: Session, customer_id: int) -> list[int]:
    """Return the products in the customer's uncancelled orders, most recent first."""
    seen: dict[int, None] = {}
    for order in orders.list_for_customer(session=session, customer_id=customer_id, limit=200):
        if order.status == OrderStatus.CANCELLED or order.cancelled_at is not None:
            continue
        for line in order.lines:
            seen.setdefault(int(line.product_id), None)
    return list(seen)


def _eligible(product: Product, category: str | None, bought: set[int]) -> bool:
    if not product.is_active or product.stock <= 0 or product.id in bought:
        return False
    return category is None or (product.category or "").lower() == category.lower()


def _pick(
    session: Session,
    ranked: Iterable[tuple[int, float]],
    limit: int,
    category: str | None,
    bought: set[int],
) -> list[tuple[Product, float]]:
    """Walk ranked (product id, score) pairs in batches, keeping eligible products."""
    out: list[tuple[Product, float]] = []
    batch: list[tuple[int, float]] = []

    def flush() -> None:
        found = {p.id: p for p in products.get_many(session=session, ids=[i for i, _ in batch])}
        for pid, score in batch:
            product = found.get(pid)
            if product is not None and len(out) < limit and _eligible(product, category, bought):
                out.append((product, score))
        batch.clear()

    for pair in ranked:
        batch.append(pair)
        if len(batch) >= SCAN_BATCH:
            flush()
            if len(out) >= limit:
                break
    if batch and len(out) < limit:
        flush()
    return out


def _popular(
    session: Session, limit: int, category: str | None, bought: set[int], kind_for_buyers: bool
) -> list[Recommendation]:
    ranked = orders.top_products(session=session, limit=POPULAR_POOL)
    top = max((n for _, n in ranked), default=1)
    picked = _pick(session, ((pid, n / top) for pid, n in ranked), limit, category, bought)
    out = []
    for product, score in picked:
        if kind_for_buyers:
            reason, kind = "popular with customers like you", "similar_customers"
        elif product.category:
            reason, kind = f"popular in {product.category}", "popular_in_category"
        else:
            reason, kind = "popular with our customers", "popular"
        out.append(_item(product, score, reason, kind, []))
    return out


def _item(
    product: Product, score: float, reason: str, kind: str, because: list[int]
) -> Recommendation:
    return Recommendation(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        category=product.category,
        price=product.price,
        score=round(float(score), 4),
        reason=reason,
        reason_kind=kind,
        because_product_ids=because,
    )


def recommend_for_customer(
    *,
    session: Session,
    settings: Settings,
    customer_id: int,
    limit: int = 10,
    category: str | None = None,
) -> list[Recommendation]:
    """Return up to ``limit`` products for the customer, best first, each with a reason."""
    customers.get(session=session, customer_id=customer_id)
    limit = max(1, min(limit, MAX_LIMIT))
    history = bought_products(session=session, customer_id=customer_id)
    bought = set(history)
    loaded = recs_cache(settings.models_dir).get(session)
    if loaded is None or not history:
        return _popular(session, limit, category, bought, kind_for_buyers=False)
    bundle = loaded[0]
    columns = np.searchsorted(bundle.product_ids, history)
    known = (columns < len(bundle.product_ids)) & (
        bundle.product_ids[np.minimum(columns, len(bundle.product_ids) - 1)] == history
    )
    cols = np.unique(columns[known]).astype(np.int64)
    if len(cols) == 0:
        return _popular(session, limit, category, bought, kind_for_buyers=True)
    row = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (np.zeros(len(cols), dtype=np.int64), cols)),
        shape=(1, len(bundle.product_ids)),
    )
    users = np.array([bundle.row_of(customer_id)], dtype=np.int64)
    scores = bundle.model.score_new(row, users=users, user_features=None)[0]
    order = np.argsort(-scores, kind="stable")
    seen = set(cols.tolist())
    ranked = ((int(bundle.product_ids[j]), float(scores[j])) for j in order if j not in seen)
    picked = _pick(session, ranked, limit, category, bought)
    names = {p.id: p.name for p in products.get_many(session=session, ids=history)}
    out: list[Recommendation] = []
    for product, score in picked:
        item = int(np.searchsorted(bundle.product_ids, product.id))
        because = [int(bundle.product_ids[c]) for c in bundle.model.reasons(cols, item, k=1)]
        if because:
            words = " and ".join(names.get(b, f"product {b}") for b in because)
            out.append(_item(product, score, f"bought {words}", "bought", because))
        else:
            out.append(
                _item(product, score, "popular with customers like you", "similar_customers", [])
            )
    if len(out) < limit:
        taken = bought | {r.product_id for r in out}
        out.extend(_popular(session, limit - len(out), category, taken, kind_for_buyers=True))
    return out
