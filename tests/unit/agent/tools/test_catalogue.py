"""Catalogue tools: product lookup by sku or fuzzy name; recommendations with fallbacks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from maitre.agent import tools
from maitre.config import Settings
from maitre.customers.models import Customer
from maitre.ml.recs_crm import train_and_register
from tests.factories.agent import make_shop, tool_context
from tests.factories.customers import make_customer
from tests.factories.orders import make_order
from tests.factories.planted import build_planted_baskets
from tests.factories.products import make_product


def test_product_by_sku_gives_price_and_availability(session: Session, settings: Settings) -> None:
    product = make_product(
        session, sku="EB-100", name="Wireless Earbuds", price="49.00", stock=3, category="Audio"
    )
    ctx = tool_context(session, settings, customer=None)
    result = tools.product_info(ctx, "eb-100")
    assert result.ok and result.outcome == tools.ProductOutcome.FOUND
    assert result.facts["sku"] == "EB-100" and result.facts["price"] == "49.00 USD"
    assert result.facts["availability"] == "low_stock" and result.facts["in_stock"] is True
    assert result.facts["stock"] == 3 and result.data == {"product_id": product.id}


def test_product_by_fuzzy_name(session: Session, settings: Settings) -> None:
    make_product(session, name="Wireless Earbuds", stock=0)
    make_product(session, name="Espresso Cup")
    make_product(session, name="无线耳机")
    ctx = tool_context(session, settings, customer=None)
    plural = tools.product_info(ctx, "do you have wireless earbud?")
    assert plural.outcome == "found" and plural.facts["name"] == "Wireless Earbuds"
    assert plural.facts["availability"] == "out_of_stock" and plural.facts["in_stock"] is False
    typo = tools.product_info(ctx, "expresso cupp")
    assert typo.outcome == "found" and typo.facts["name"] == "Espresso Cup"
    chinese = tools.product_info(ctx, "无线耳机")
    assert chinese.outcome == "found" and chinese.facts["name"] == "无线耳机"


def test_product_ambiguous_and_not_found(session: Session, settings: Settings) -> None:
    make_product(session, name="Espresso Cup Red")
    make_product(session, name="Espresso Cup Blue")
    ctx = tool_context(session, settings, customer=None)
    result = tools.product_info(ctx, "espresso cup")
    assert result.outcome == "ambiguous" and not result.ok
    assert {c["name"] for c in result.facts["candidates"]} == {
        "Espresso Cup Red",
        "Espresso Cup Blue",
    }
    assert tools.product_info(ctx, "quantum toaster").outcome == "not_found"
    assert tools.product_info(ctx, "").outcome == "not_found"
    assert tools.product_info(ctx, "%_%").outcome == "not_found"


def test_discontinued_product(session: Session, settings: Settings) -> None:
    make_product(session, sku="OLD-1", name="Old Radio", is_active=False)
    ctx = tool_context(session, settings, customer=None)
    result = tools.product_info(ctx, "OLD-1")
    assert result.facts["availability"] == "discontinued" and result.facts["in_stock"] is False


def _sell(session: Session, name: str, category: str, units: int) -> None:
    product = make_product(session, name=name, category=category, stock=1000)
    buyer = make_customer(session)
    make_order(session, customer_id=buyer.id, lines=[{"product_id": product.id, "quantity": units}])


def test_recommend_popular_in_category_then_overall(session: Session, settings: Settings) -> None:
    _sell(session, "Kettle", "Kitchen", 5)
    _sell(session, "Teapot", "Kitchen", 9)
    _sell(session, "Speaker", "Audio", 20)
    ctx = tool_context(session, settings, customer=None)
    kitchen = tools.recommend(ctx, category="kitchen", limit=3)
    assert kitchen.ok and kitchen.facts["source"] == "popular_in_category"
    assert [p["name"] for p in kitchen.facts["products"]] == ["Teapot", "Kettle"]
    overall = tools.recommend(ctx, limit=2)
    assert overall.facts["source"] == "popular"
    assert [p["name"] for p in overall.facts["products"]] == ["Speaker", "Teapot"]
    unknown = tools.recommend(ctx, category="Garden", limit=1)
    assert unknown.ok and unknown.facts["category_matched"] is False
    assert unknown.facts["products"][0]["name"] == "Speaker"


def test_recommend_skips_what_the_customer_bought(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    _sell(session, "Speaker", "Audio", 1)
    ctx = tool_context(session, settings, customer=shop.alice)
    names = [p["name"] for p in tools.recommend(ctx, limit=3).facts["products"]]
    assert names == ["Speaker"]  # Alice already has the earbuds


def test_recommend_uses_the_recommender_when_wired(session: Session, settings: Settings) -> None:
    shop = make_shop(session)
    pick = make_product(session, name="Charging Case", category="Audio")
    seen: dict[str, object] = {}

    def recommender(
        *, session: Session, customer_id: int, category: str | None, limit: int
    ) -> list[int]:
        seen.update(customer_id=customer_id, category=category)
        return [pick.id, 2_000_000]

    ctx = tool_context(session, settings, customer=shop.alice)
    result = tools.recommend(replace(ctx, recommender=recommender), category="Audio")
    assert result.facts["source"] == "recommender"
    assert [p["name"] for p in result.facts["products"]] == ["Charging Case"]
    assert seen == {"customer_id": shop.alice.id, "category": "Audio"}


def test_recommend_with_no_sales_has_no_results(session: Session, settings: Settings) -> None:
    make_product(session)
    ctx = tool_context(session, settings, customer=None)
    result = tools.recommend(ctx)
    assert result.outcome == tools.RecommendOutcome.NO_RESULTS and result.facts["products"] == []


def test_demo_like_catalogue_questions(session: Session, settings: Settings) -> None:
    make_product(session, sku="TEA-001", name="Darjeeling First Flush 100 g", category="Tea")
    make_product(session, sku="TEA-003", name="Earl Grey Supreme 100 g", category="Tea")
    make_product(
        session,
        sku="TEA-004",
        name="Longjing Dragon Well Green Tea 100 g",
        category="Tea",
        description="Pan-fired green tea.\n\n中文名：西湖龙井绿茶",
    )
    make_product(session, sku="TEA-009", name="Jasmine Green Tea 100 g", category="Tea")
    make_product(session, name="Red Lantern", category="Home")
    ctx = tool_context(session, settings, customer=None)
    assert tools.product_info(ctx, "is darjeeling in stock?").facts["sku"] == "TEA-001"
    assert tools.product_info(ctx, "earl grey tea").facts["sku"] == "TEA-003"
    assert tools.product_info(ctx, "tea").outcome == "ambiguous"
    assert tools.product_info(ctx, "green tea").outcome == "ambiguous"
    assert tools.product_info(ctx, "龙井").facts["sku"] == "TEA-004"
    assert tools.product_info(ctx, "red shoes").outcome != "found"


def test_chinese_name_inside_a_sentence(session: Session, settings: Settings) -> None:
    make_product(session, name="无线耳机")
    make_product(session, name="蓝牙音箱")
    ctx = tool_context(session, settings, customer=None)
    assert tools.product_info(ctx, "我想买无线耳机两副").facts["name"] == "无线耳机"


@pytest.mark.slow
def test_recommend_uses_the_active_recs_model(session: Session, settings: Settings) -> None:
    ids = build_planted_baskets(session)
    train_and_register(session=session, settings=settings)
    customer = session.get(Customer, ids["kettle_only"])
    ctx = tool_context(session, settings, customer=customer)
    result = tools.recommend(ctx, limit=1)
    assert result.ok and result.facts["source"] == "recommender"
    assert result.facts["products"][0]["reason"] == "bought Kettle"
    assert result.data == {"product_ids": [ids["filter"]]}
    anonymous = tools.recommend(tool_context(session, settings, customer=None), limit=1)
    assert anonymous.facts["source"] == "popular"


def test_product_entity_value_is_accepted(session: Session, settings: Settings) -> None:
    make_product(session, sku="EB-7", name="Wireless Earbuds")
    ctx = tool_context(session, settings, customer=None)
    entity = {"sku": "EB-7", "name": "Wireless Earbuds", "id": 1, "matched": "earbuds"}
    assert tools.product_info(ctx, entity).facts["sku"] == "EB-7"
    assert tools.product_info(ctx, {"name": "wireless earbuds"}).facts["sku"] == "EB-7"
    assert tools.product_info(ctx, {}).outcome == "not_found"
