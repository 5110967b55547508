"""The tracker and the policy on hand-made turns (no model, no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from maitre.agent.dialogue.flows import load_flows
from maitre.agent.dialogue.policy import (
    decide,
    expected_types,
    is_no,
    is_question,
    is_yes,
    pick_flow,
)
from maitre.agent.dialogue.state import DialogueState
from maitre.agent.dialogue.tracker import (
    STOP_TASK,
    Event,
    Turn,
    apply,
    slot_events,
    turn_language,
)
from maitre.agent.nlu.entities import EntityType
from maitre.config import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def turn(
    text: str,
    intent: str | None = None,
    confidence: float = 1.0,
    *,
    entities: list[dict[str, Any]] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    **flags: Any,
) -> Turn:
    return Turn(
        text=text,
        intent=intent,
        confidence=confidence,
        ranking=ranking or [{"intent": intent, "confidence": confidence}],
        entities=entities or [],
        language=flags.pop("language", "en"),
        sentiment=flags.pop("sentiment", 0.0),
        out_of_scope=flags.pop("out_of_scope", False),
        stop_task=bool(STOP_TASK.match(text)),
        **flags,
    )


def order(number: str) -> dict[str, Any]:
    return {"type": "order_number", "value": number, "text": number, "span": [0, 4]}


def test_language_follows_the_latest_message_but_not_a_bare_number() -> None:
    assert turn_language("我的订单", "zh", "en") == "zh"
    assert turn_language("where is it", "en", "zh") == "en"
    assert turn_language("1043", "en", "zh") == "zh"
    assert turn_language("bob@example.com", "en", "zh") == "zh"


@pytest.mark.parametrize("text", ["cancel that", "never mind", "Forget it.", "算了", "不用了"])
def test_stop_phrases(text: str) -> None:
    assert STOP_TASK.match(text)


@pytest.mark.parametrize("text", ["cancel my order", "cancel order 1043", "I never got it"])
def test_not_stop_phrases(text: str) -> None:
    assert not STOP_TASK.match(text)


def test_slot_events_normalise_and_overwrite() -> None:
    flow = load_flows().get("order_status")
    assert flow is not None
    state = DialogueState(task="order_status", slots={"order_number": "1042"})
    events = slot_events(flow, turn("actually #mt-1043", entities=[order("#mt-1043")]), state,
                         asked=None)  # fmt: skip
    apply(state, events)
    assert state.slots["order_number"] == "MT-1043"


def test_events_change_the_state() -> None:
    state = DialogueState(task="return_request", slots={"order_number": "1"})
    apply(state, [Event("task_suspended")])
    assert state.task is None and state.extra["suspended"]["task"] == "return_request"
    apply(state, [Event("task_started", {"task": "product_question"}), Event("task_ended")])
    apply(state, [Event("task_resumed")])
    assert state.task == "return_request" and state.slots == {"order_number": "1"}
    apply(state, [Event("low_confidence", {"low": True}), Event("low_confidence", {"low": True})])
    assert state.low_confidence == 2
    apply(state, [Event("low_confidence", {"low": False})])
    assert state.low_confidence == 0


def test_injection_wins_over_everything(settings: Settings) -> None:
    state = DialogueState(task="cancel_order", pending={"kind": "confirm"})
    decision = decide(state, turn("yes", "affirm", injection=True), load_flows(), settings)
    assert decision.action == "refuse_injection"


def test_confirmation_yes_and_no(settings: Settings) -> None:
    flows = load_flows()
    state = DialogueState(task="cancel_order", pending={"kind": "confirm"})
    assert decide(state, turn("yes", "affirm"), flows, settings).action == "confirmed"
    assert decide(state, turn("no", "deny"), flows, settings).action == "declined"
    assert decide(state, turn("cancel that", "deny"), flows, settings).action == "declined"


def test_bare_number_fills_the_pending_slot(settings: Settings) -> None:
    state = DialogueState(
        task="return_request",
        pending={"kind": "slot", "slot": "order_number", "expected": ["order_number"]},
    )
    assert expected_types(state) == [EntityType.ORDER_NUMBER]
    low = turn("1043", "out_of_scope", 0.3, entities=[order("1043")], out_of_scope=True)
    decision = decide(state, low, load_flows(), settings)
    assert (
        decision.action == "continue" and decision.flow and decision.flow.name == "return_request"
    )


def test_digression_keeps_the_task(settings: Settings) -> None:
    state = DialogueState(task="return_request", pending={"kind": "slot", "slot": "order_number"})
    question = decide(state, turn("what is your return policy?", "faq"), load_flows(), settings)
    assert question.action == "question" and question.resume == "return_request"
    assert question.flow is not None and question.flow.name == "faq"
    hello = decide(state, turn("thanks", "thanks"), load_flows(), settings)
    assert hello.action == "digression" and hello.resume == "return_request"


def test_handoff_triggers(settings: Settings) -> None:
    flows = load_flows()
    asks = decide(DialogueState(), turn("human please", "talk_to_human"), flows, settings)
    assert (asks.action, asks.reason) == ("handoff", "customer_asked")
    angry = DialogueState(extra={"negative_streak": 2})
    assert decide(angry, turn("where is it", "order_status"), flows, settings).reason == (
        "negative_sentiment"
    )
    ruled = settings.model_copy(update={"handoff_intents": ["refund_status"]})
    assert decide(DialogueState(), turn("refund?", "refund_status"), flows, ruled).reason == (
        "admin_rule"
    )


def test_close_intents_ask_for_clarification(settings: Settings) -> None:
    ranking = [
        {"intent": "return_request", "confidence": 0.45},
        {"intent": "refund_status", "confidence": 0.4},
    ]
    decision = decide(
        DialogueState(), turn("money back", "return_request", 0.45, ranking=ranking),
        load_flows(), settings,
    )  # fmt: skip
    assert decision.action == "clarify" and decision.reason == "return_request|refund_status"
    picked = decide(
        DialogueState(pending={"kind": "clarify", "options": ["return_request", "refund_status"]}),
        turn("the second one", "out_of_scope", 0.2, out_of_scope=True), load_flows(), settings,
    )  # fmt: skip
    assert picked.action == "start" and picked.flow and picked.flow.name == "refund_status"


def test_out_of_scope_is_not_understood(settings: Settings) -> None:
    decision = decide(
        DialogueState(), turn("weather?", "out_of_scope", 0.9, out_of_scope=True),
        load_flows(), settings,
    )  # fmt: skip
    assert decision.action == "not_understood"


@pytest.mark.parametrize(
    "text",
    ["yes", "yes cancel it", "yep", "ok thanks. please continue", "yes, that's correct",
     "好的，继续退货吧", "是的，确认退货", "确认", "对的"],
)  # fmt: skip
def test_yes(text: str) -> None:
    assert is_yes(turn(text, "out_of_scope", 0.1), False)
    assert not is_no(turn(text, "out_of_scope", 0.1), False)


@pytest.mark.parametrize(
    "text",
    ["no", "actually no, cancel that. I'll keep it", "hmm no wait, don't cancel it",
     "等等，算了，不取消了", "算了，不退了", "nope"],
)  # fmt: skip
def test_no(text: str) -> None:
    assert is_no(turn(text, "out_of_scope", 0.1), False)
    assert not is_yes(turn(text, "out_of_scope", 0.1), False)


def test_by_the_way_is_not_yes() -> None:
    assert not is_yes(turn("对了，退款一般多久能到账？", "refund_status", 0.99), True)
    assert is_question(turn("对了，退款一般多久能到账？"))


def test_flow_patterns_override_a_wrong_intent() -> None:
    flows = load_flows()
    moved = turn("i just moved house, need to update where my order gets delivered",
                 "order_status", 0.96)  # fmt: skip
    assert (picked := pick_flow(moved, flows, True)) and picked.name == "change_address"
    policy = turn("what's your return policy?", "faq", 0.99)
    assert (picked := pick_flow(policy, flows, True)) and picked.name == "faq"
    stock = turn("德国钢主厨刀有货吗？", "product_question", 0.38)
    assert (picked := pick_flow(stock, flows, False)) and picked.name == "product_question"
