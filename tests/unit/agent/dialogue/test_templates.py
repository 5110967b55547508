"""Static checks of the reply templates: both languages, every flow key, every fact provided."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from maitre.agent.dialogue.flows import FlowSpec, load_flows
from maitre.agent.dialogue.nlg import (
    LANGUAGES,
    MissingFact,
    fill,
    load_templates,
    placeholders,
)
from maitre.agent.nlu.trainer import shipped_data
from maitre.agent.tools.catalogue import product_card, product_facts
from maitre.agent.tools.scope import order_facts
from maitre.orders.models import Order
from maitre.products.models import Product

ORDER = set(
    order_facts(
        Order(number="MT-1", status="shipped", total=Decimal("1"), currency="USD",
              placed_at=datetime(2026, 1, 1, tzinfo=UTC))
    )
)  # fmt: skip
PRODUCT = set(
    product_facts(
        Product(sku="S-1", name="Cup", price=Decimal("1"), currency="USD", stock=1, is_active=True)
    )
)
CARD_KEYS = set(
    product_card(
        Product(sku="S-1", name="Cup", price=Decimal("1"), currency="USD", stock=1, is_active=True)
    )
)
RETURN = ORDER | {"return_window_days", "return_last_day", "days_since_delivery", "handoff_reason"}
# The facts each tool gives for each outcome (read from maitre.agent.tools).
TOOL_FACTS: dict[tuple[str, str], set[str]] = {
    ("order_status", "found"): ORDER | {"estimated_delivery", "latest"},
    ("order_status", "not_found"): {"order_number"},
    ("order_status", "no_orders"): set(),
    ("refund_status", "refund_pending"): ORDER | {"refund_amount"},
    ("refund_status", "return_received"): ORDER | {"refund_amount"},
    ("refund_status", "cancelled"): ORDER | {"refund_amount"},
    ("refund_status", "no_refund"): ORDER,
    ("refund_status", "needs_handoff"): ORDER | {"refund_amount", "handoff_reason"},
    ("refund_status", "not_found"): {"order_number"},
    ("refund_status", "no_orders"): set(),
    ("request_return", "return_requested"): RETURN | {"ticket_id", "reason"},
    ("request_return", "not_found"): {"order_number"},
    **{
        ("request_return", o): RETURN
        for o in (
            "not_eligible_window",
            "not_shipped",
            "not_delivered",
            "already_requested",
            "already_returned",
            "order_cancelled",
            "needs_handoff",
        )
    },
    **{
        ("cancel_order", o): ORDER
        for o in (
            "cancelled",
            "already_cancelled",
            "already_shipped",
            "not_allowed",
            "needs_handoff",
        )
    },
    ("cancel_order", "not_found"): {"order_number"},
    ("change_address", "address_changed"): ORDER | {"shipping_address", "customer_address_updated"},
    **{
        ("change_address", o): ORDER
        for o in ("already_shipped", "order_cancelled", "invalid_address", "needs_handoff")
    },
    ("change_address", "not_found"): {"order_number"},
    ("update_account", "updated"): {"field", "value"},
    ("update_account", "unchanged"): {"field", "value"},
    ("update_account", "invalid_field"): {"field"},
    ("update_account", "invalid_value"): {"field"},
    ("update_account", "rejected"): {"field"},
    ("product_info", "found"): PRODUCT,
    ("product_info", "ambiguous"): {"query", "candidates"},
    ("product_info", "not_found"): {"query"},
    ("recommend", "recommended"): {"category", "category_matched", "source", "products"},
    ("recommend", "no_results"): {"category", "category_matched", "source", "products"},
    ("create_ticket", "ticket_created"): {"ticket_id", "priority", "kind", "order_number"},
    ("create_ticket", "not_found"): {"order_number"},
    ("create_ticket", "invalid_input"): {"reason"},
    ("customer_profile", "found"): {
        "name",
        "first_name",
        "language",
        "vip",
        "last_order_number",
        "last_order_date",
        "last_order_status",
    },
}
# Templates the engine fills itself, and the facts it gives them.
ENGINE_FACTS = {
    "handoff.notice": {"wait_minutes"},
    "kb.answer": {"title", "answer"},
    "kb.composed": {"answer"},
    "clarify.ask": {"option_a", "option_b"},
    "greeting.hello.known": {"first_name"},
}


def _variants(key: str) -> list[str]:
    table = load_templates().by_language["en"]
    return [k for k in table if k == key or k.startswith(key + ".")]


def test_every_key_exists_in_both_languages() -> None:
    tables = load_templates().by_language
    assert set(LANGUAGES) == set(tables)
    assert set(tables["en"]) == set(tables["zh"])


def test_each_template_uses_the_same_facts_in_both_languages() -> None:
    tables = load_templates().by_language
    for key, text in tables["en"].items():
        en = placeholders(text)
        zh = placeholders(tables["zh"][key])
        assert en[0] | en[1] == zh[0] | zh[1], key


def test_every_template_a_flow_names_exists() -> None:
    templates = load_templates()
    for flow in load_flows().flows.values():
        for key in flow.template_keys():
            assert templates.has(key, "en") and templates.has(key, "zh"), (flow.name, key)


def test_every_intent_has_a_clarification_label() -> None:
    templates = load_templates()
    for flow in load_flows().flows.values():
        if flow.kind == "task":
            for intent in flow.intents:
                assert templates.has(f"intent.{intent}"), intent


def _tool_outcomes(flow: FlowSpec) -> list[tuple[str, str]]:
    assert flow.tool is not None
    return [(flow.tool, outcome) for outcome in flow.outcomes]


def test_every_outcome_template_is_filled_by_its_tools_facts() -> None:
    tables = load_templates().by_language
    for flow in load_flows().flows.values():
        if flow.tool is None:
            continue
        for tool, outcome in _tool_outcomes(flow):
            assert (tool, outcome) in TOOL_FACTS, f"{flow.name}: unknown outcome {outcome}"
            facts = TOOL_FACTS[(tool, outcome)]
            for key in _variants(flow.outcomes[outcome].reply):
                for lang in LANGUAGES:
                    required, optional = placeholders(tables[lang][key])
                    assert required | optional <= facts, (flow.name, outcome, key, lang)


def test_prompts_and_confirmations_use_only_slots() -> None:
    tables = load_templates().by_language
    for flow in load_flows().flows.values():
        slots = {s.name for s in flow.slots}
        keys = [s.prompt for s in flow.slots if s.prompt]
        keys += [k for k in (flow.confirm, flow.declined, flow.require_any_prompt) if k]
        for key in keys:
            required, optional = placeholders(tables["en"][key])
            assert required | optional <= slots, (flow.name, key)


def test_other_templates_need_no_facts_but_those_the_engine_gives() -> None:
    tables = load_templates().by_language
    tool_keys = {
        k
        for flow in load_flows().flows.values()
        for o in flow.outcomes.values()
        for k in _variants(o.reply)
        if flow.tool
    }
    for key, text in tables["en"].items():
        if key in tool_keys:
            continue
        required, optional = placeholders(text)
        assert required | optional <= ENGINE_FACTS.get(key, set()) | _all_slots(), key


def _all_slots() -> set[str]:
    return {s.name for f in load_flows().flows.values() for s in f.slots}


def test_flows_cover_the_built_in_intents() -> None:
    intents = set(shipped_data().intents)
    handled = set(load_flows().by_intent) | {"affirm", "deny", "out_of_scope"}
    assert intents <= handled


def test_missing_fact_is_an_error_and_optional_parts_drop() -> None:
    template = "Order {order_number} shipped[ with {carrier}]."
    assert fill(template, {"order_number": "A1", "carrier": None}, "en") == "Order A1 shipped."
    assert fill(template, {"order_number": "A1", "carrier": "DHL"}, "en") == (
        "Order A1 shipped with DHL."
    )
    with pytest.raises(MissingFact):
        fill(template, {"carrier": "DHL"}, "en")


def test_lists_of_items_read_naturally() -> None:
    items = [{"name": "Cup", "quantity": 2}, {"name": "Mug", "quantity": 1}]
    assert fill("{items}", {"items": items}, "en") == "2 × Cup, Mug"
    assert fill("{items}", {"items": items}, "zh") == "2 × Cup、Mug"
    assert CARD_KEYS <= PRODUCT
