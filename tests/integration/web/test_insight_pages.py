"""Stored analytics scores on the customer pages and the dashboard, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from maitre.analytics.models import CustomerScore
from maitre.users.roles import Role
from tests.integration.web.conftest import WebClient


def test_scores_show_on_list_360_and_dashboard_and_filter_by_risk(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as s:
        s.add_all(
            [
                CustomerScore(
                    customer_id=shop["ada"],
                    churn_probability=0.82,
                    churn_reasons=[
                        {
                            "feature": "recency",
                            "value": 140,
                            "effect": 1.2,
                            "text": "no order for 140 days",
                        }
                    ],
                    clv=321.5,
                    rfm_segment="at_risk",
                ),
                CustomerScore(
                    customer_id=shop["evil"], churn_probability=0.1, clv=12.0, rfm_segment="new"
                ),
            ]
        )
        s.commit()
    client = login(Role.ANALYST)
    page = client.get(f"/customers/{shop['ada']}").text
    assert "82%" in page and "no order for 140 days" in page and "321.50" in page
    assert "At risk" in page
    listing = client.get("/customers").text
    assert "Churn risk" in listing and "82%" in listing
    risky = client.get("/customers?risk=0.7").text
    assert "Ada Lovelace" in risky and "&lt;img" not in risky
    assert client.get("/customers?risk=abc").status_code == 200
    by_segment = client.get("/customers?segment=new").text
    assert "&lt;img" in by_segment and "Ada Lovelace" not in by_segment
    dashboard = client.get("/dashboards").text
    assert 'id="churn-data"' in dashboard


def test_segment_filter_never_rebuilds_every_customer_when_scored_or_big(
    login: Callable[[Role], WebClient],
    shop: dict[str, Any],
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from maitre.analytics import service as analytics

    client = login(Role.ANALYST)
    computed: list[int] = []
    real = analytics.snapshot

    def counting(**kwargs: Any) -> Any:
        computed.append(1)
        return real(**kwargs)

    monkeypatch.setattr(analytics, "snapshot", counting)
    # small and unscored: the live snapshot answers
    assert client.get("/customers?segment=champions").status_code == 200
    assert computed
    computed.clear()
    # too big to rebuild on a page view: an empty list until a refresh stores scores
    monkeypatch.setattr(analytics, "LIVE_MAX_CUSTOMERS", 0)
    page = client.get("/customers?segment=champions")
    assert page.status_code == 200 and "Ada Lovelace" not in page.text
    # the 360 page and the dashboard show their empty states, not a rebuild or an error
    assert client.get(f"/customers/{shop['ada']}").status_code == 200
    assert client.get("/dashboards").status_code == 200
    assert not computed
    monkeypatch.setattr(analytics, "LIVE_MAX_CUSTOMERS", 10_000)
    with session_factory() as s:
        s.add(CustomerScore(customer_id=shop["ada"], churn_probability=0.2, rfm_segment="new"))
        s.commit()
    # scored, and nobody is a champion: that is the answer, not a reason to go live
    page = client.get("/customers?segment=champions")
    assert page.status_code == 200 and "Ada Lovelace" not in page.text
    assert not computed
    assert "Ada Lovelace" in client.get("/customers?segment=new").text
