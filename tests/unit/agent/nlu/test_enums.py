"""Stored choices keep their names: changing one would orphan rows already in databases."""

from __future__ import annotations

from maitre.agent.nlu.entities import EntityType, Source
from maitre.agent.nlu.models import ExampleSource, ReviewReason, ReviewStatus


def test_stored_values_are_pinned() -> None:
    assert [e.value for e in ExampleSource] == ["user", "review", "import"]
    assert [e.value for e in ReviewReason] == [
        "low_confidence",
        "out_of_scope",
        "handoff",
        "manual",
    ]
    assert [e.value for e in ReviewStatus] == ["pending", "labelled", "dismissed"]
    assert [e.value for e in EntityType] == [
        "order_number",
        "email",
        "phone",
        "date",
        "money",
        "product",
        "sku",
        "quantity",
        "address",
    ]
    assert [e.value for e in Source] == ["regex", "rules", "catalogue", "context"]
