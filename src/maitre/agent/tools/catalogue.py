"""Catalogue tools: product details and availability, and recommendations (no customer needed)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from maitre.agent.tools.context import (
    Recommender,
    ToolContext,
    ToolResult,
    money,
    plain,
    refusal,
    success,
)
from maitre.errors import MaitreError
from maitre.market import service as market
from maitre.orders import service as orders
from maitre.products import service as products
from maitre.products.models import Product
from maitre.recommendations import service as recommendations

QUERY_MAX = 200
CATEGORY_MAX = 100
DESCRIPTION_MAX = 500
LOW_STOCK = 5
MAX_RECOMMENDATIONS = 10
MAX_CANDIDATES = 5
PARTIAL_MATCH = 0.55  # search score (see products.service.search) to name one product
MARGIN = 0.15  # ... and by how much it must beat the next one
# Recommendation kinds that come from the trained model (the others are popularity fallbacks).
PERSONAL_KINDS = frozenset({"bought", "similar_customers"})
HISTORY_ORDERS = 20  # recent orders whose products are not recommended again


class ProductOutcome(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"  # several products fit: facts.candidates lists them
    NOT_FOUND = "not_found"


class RecommendOutcome(StrEnum):
    RECOMMENDED = "recommended"
    NO_RESULTS = "no_results"


class RecommendSource(StrEnum):
    RECOMMENDER = "recommender"
    POPULAR_IN_CATEGORY = "popular_in_category"
    POPULAR = "popular"


def _with_reason(card: dict[str, Any], reason: str | None) -> dict[str, Any]:
    if reason:
        card["reason"] = reason
    return card


def availability(product: Product) -> str:
    """Return ``in_stock``, ``low_stock``, ``out_of_stock`` or ``discontinued``."""
    if not product.is_active:
        return "discontinued"
    if product.stock <= 0:
        return "out_of_stock"
    return "low_stock" if product.stock <= LOW_STOCK else "in_stock"


def product_card(product: Product) -> dict[str, Any]:
    """Return the short facts of a product (for lists)."""
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": money(product.price, product.currency),
        "availability": availability(product),
    }


def product_facts(product: Product) -> dict[str, Any]:
    """Return the facts of one product a reply may state."""
    description = (product.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        description = description[: DESCRIPTION_MAX - 1].rstrip() + "…"
    state = availability(product)
    return {
        **product_card(product),
        "price_amount": f"{product.price:.2f}",
        "currency": product.currency,
        "in_stock": state in ("in_stock", "low_stock"),
        "stock": max(product.stock, 0),
        "description": description or None,
    }


def product_info(ctx: ToolContext, query: str | Mapping[str, Any]) -> ToolResult:
    """Look a product up by SKU or (fuzzy) name: price, availability, description.

    ``query`` is text, or a product entity value (``{"sku": …, "name": …}``).
    """
    if isinstance(query, Mapping):
        query = query.get("sku") or query.get("name") or ""
    text = plain(query, QUERY_MAX)
    if not text:
        return refusal(ProductOutcome.NOT_FOUND, {"query": ""})
    found = products.search(session=ctx.session, text=text, limit=MAX_CANDIDATES)
    if not found:
        return refusal(ProductOutcome.NOT_FOUND, {"query": text})
    best, score = found[0]
    exact = best.sku.lower() == text.lower() or best.name.lower() == text.lower()
    runner_up = found[1][1] if len(found) > 1 else 0.0
    if exact or (score >= PARTIAL_MATCH and score - runner_up >= MARGIN):
        return success(ProductOutcome.FOUND, product_facts(best), {"product_id": best.id})
    facts = {"query": text, "candidates": [product_card(p) for p, _ in found]}
    return refusal(ProductOutcome.AMBIGUOUS, facts, {"product_ids": [p.id for p, _ in found]})


def _bought(ctx: ToolContext) -> set[int]:
    if ctx.customer_id is None:
        return set()
    recent = orders.list_for_customer(
        session=ctx.session, customer_id=ctx.customer_id, limit=HISTORY_ORDERS
    )
    return {line.product_id for order in recent for line in order.lines}


def _in_category(product: Product, category: str | None) -> bool:
    return category is None or (product.category or "").lower() == category.lower()


def _hooked(
    ctx: ToolContext, recommender: Recommender, customer_id: int, category: str | None, limit: int
) -> list[Product]:
    ids = recommender(
        session=ctx.session, customer_id=customer_id, category=category, limit=limit * 3
    )
    by_id = {p.id: p for p in products.get_many(session=ctx.session, ids=ids)}
    picked = [by_id[i] for i in ids if i in by_id]
    return [p for p in picked if availability(p) != "discontinued" and _in_category(p, category)]


def _personal(
    ctx: ToolContext, category: str | None, limit: int
) -> tuple[list[Product], dict[int, str]]:
    """Products the recommender picks for the customer, with the reasons it gives (if any)."""
    if ctx.customer_id is None:
        return [], {}
    if ctx.recommender is not None:
        return _hooked(ctx, ctx.recommender, ctx.customer_id, category, limit)[:limit], {}
    try:
        picks = recommendations.recommend_for_customer(
            session=ctx.session,
            settings=ctx.settings,
            customer_id=ctx.customer_id,
            limit=limit,
            category=category,
        )
    except MaitreError:
        return [], {}
    personal = [r for r in picks if r.reason_kind in PERSONAL_KINDS]
    by_id = {
        p.id: p
        for p in products.get_many(session=ctx.session, ids=[r.product_id for r in personal])
    }
    chosen = [by_id[r.product_id] for r in personal if r.product_id in by_id]
    return chosen[:limit], {r.product_id: r.reason for r in personal}


def _popular(ctx: ToolContext, category: str | None, limit: int, skip: set[int]) -> list[Product]:
    ranked = market.popular_products(
        session=ctx.session, category=category, limit=limit + len(skip)
    )
    return [p for p in ranked if p.id not in skip][:limit]


def recommend(ctx: ToolContext, category: str | None = None, limit: int = 3) -> ToolResult:
    """Suggest products: for a known customer the active ``recs`` model (or ``ctx.recommender``),
    else best sellers in ``category``, else best sellers overall; never what they bought."""
    limit = max(1, min(int(limit), MAX_RECOMMENDATIONS))
    wanted = plain(category, CATEGORY_MAX) or None
    skip = _bought(ctx)
    picked, reasons = _personal(ctx, wanted, limit)
    source = RecommendSource.RECOMMENDER
    if not picked and wanted is not None:
        picked, source = _popular(ctx, wanted, limit, skip), RecommendSource.POPULAR_IN_CATEGORY
    if not picked:
        picked, source = _popular(ctx, None, limit, skip), RecommendSource.POPULAR
    facts: dict[str, Any] = {
        "category": wanted,
        "category_matched": wanted is None or source != RecommendSource.POPULAR,
        "source": str(source),
        "products": [_with_reason(product_card(p), reasons.get(p.id)) for p in picked],
    }
    if not picked:
        return refusal(RecommendOutcome.NO_RESULTS, facts)
    return success(RecommendOutcome.RECOMMENDED, facts, {"product_ids": [p.id for p in picked]})
