"""Recommendations from CRM orders: a planted co-purchase pattern, filters, cold start."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from maitre.config import Settings
from maitre.customers.models import Customer
from maitre.ml.recs_crm import train_and_register
from maitre.products.models import Product
from maitre.recommendations.service import recommend_for_customer
from tests.factories.planted import build_planted_baskets


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="k" * 32)  # type: ignore[arg-type]


def test_planted_co_purchase_is_recommended_with_its_reason(
    session: Session, tmp_path: Path
) -> None:
    ids = build_planted_baskets(session)
    settings = _settings(tmp_path)
    mv = train_and_register(session=session, settings=settings)
    assert mv.metrics["ndcg_at_10"] > mv.metrics["baselines"]["popularity"]["ndcg_at_10"]
    recs = recommend_for_customer(
        session=session, settings=settings, customer_id=ids["kettle_only"], limit=3
    )
    assert recs[0].product_id == ids["filter"]
    assert recs[0].reason == "bought Kettle" and recs[0].reason_kind == "bought"
    assert recs[0].because_product_ids == [ids["kettle"]]
    assert ids["kettle"] not in {r.product_id for r in recs}  # bought already
    tea = recommend_for_customer(
        session=session, settings=settings, customer_id=ids["tea_only"], limit=3
    )
    assert tea[0].product_id == ids["cup"] and tea[0].reason == "bought Tea"


def test_inactive_and_out_of_stock_products_are_never_recommended(
    session: Session, tmp_path: Path
) -> None:
    ids = build_planted_baskets(session)
    settings = _settings(tmp_path)
    train_and_register(session=session, settings=settings)
    session.get(Product, ids["filter"]).stock = 0  # type: ignore[union-attr]
    session.get(Product, ids["cup"]).is_active = False  # type: ignore[union-attr]
    session.flush()
    for who in ("kettle_only", "tea_only"):
        recs = recommend_for_customer(
            session=session, settings=settings, customer_id=ids[who], limit=8
        )
        got = {r.product_id for r in recs}
        assert got and not got & {ids["filter"], ids["cup"]}


def test_cold_start_and_no_model_fall_back_to_popularity(session: Session, tmp_path: Path) -> None:
    ids = build_planted_baskets(session)
    settings = _settings(tmp_path)
    newcomer = Customer(name="New")
    session.add(newcomer)
    session.flush()
    # No model registered yet: popularity for everyone, by category, filtered by category.
    recs = recommend_for_customer(
        session=session, settings=settings, customer_id=newcomer.id, limit=2, category="brewing"
    )
    assert {r.product_id for r in recs} == {ids["kettle"], ids["filter"]}
    assert all(r.reason == "popular in Brewing" for r in recs)
    train_and_register(session=session, settings=settings)
    cold = recommend_for_customer(session=session, settings=settings, customer_id=newcomer.id)
    assert cold and all(r.reason_kind == "popular_in_category" for r in cold)
