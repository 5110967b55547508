"""Profile features on a tiny hand-built CRM with known answers (SQLite and PostgreSQL)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session

from maitre.ml.features import customer_features
from tests.factories.analytics import AS_OF, build_tiny_crm


def test_features_of_a_buyer_match_hand_computed_values(session: Session) -> None:
    ids = build_tiny_crm(session)
    frame = customer_features(session=session, as_of=AS_OF)
    ada = frame.loc[ids["ada"]]
    assert ada["recency_days"] == pytest.approx(30.0)
    assert ada["frequency"] == 3  # 4 placed by as_of, one cancelled
    assert ada["monetary"] == pytest.approx(150.0)  # returned and cancelled orders excluded
    assert ada["avg_basket"] == pytest.approx(75.0)
    assert ada["tenure_days"] == pytest.approx(365.0)
    assert ada["return_rate"] == pytest.approx(1 / 3)
    assert ada["cancellation_rate"] == pytest.approx(1 / 4)
    assert ada["discount_rate"] == pytest.approx(1 / 4)
    assert ada["tickets_total"] == 2 and ada["tickets_90d"] == 1
    assert ada["conversations_total"] == 2 and ada["csat_mean"] == pytest.approx(3.0)
    assert ada["cat:Tea"] == pytest.approx(190 / 230)
    assert ada["cat:Teapot"] == pytest.approx(40 / 230)
    assert (ada["language"], ada["country"], ada["channel"]) == ("en", "GB", "store")


def test_customer_without_orders_gets_zeros_and_no_recency(session: Session) -> None:
    ids = build_tiny_crm(session)
    frame = customer_features(session=session, as_of=AS_OF)
    bob = frame.loc[ids["bob"]]
    assert math.isnan(bob["recency_days"]) and math.isnan(bob["csat_mean"])
    assert bob["frequency"] == 0 and bob["monetary"] == 0 and bob["return_rate"] == 0
    assert bob["tenure_days"] == pytest.approx(214.0)
    assert bob["cat:Tea"] == 0 and bob["channel"] == "none" and bob["country"] == "unknown"
    assert ids["late"] not in frame.index  # created after as_of
    assert frame.index.name == "customer_id"


def test_empty_database_gives_an_empty_frame(session: Session) -> None:
    frame = customer_features(session=session, as_of=AS_OF)
    assert frame.empty and "recency_days" in frame.columns
