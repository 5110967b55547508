"""The summary a person reads when a conversation is handed to them."""

from __future__ import annotations

from typing import Any

from maitre.agent.dialogue.state import DialogueState
from maitre.conversations.models import Conversation, Sender

LAST_MESSAGES = 6


def build_summary(conversation: Conversation, *, reason: str) -> dict[str, Any]:
    """Return intent, slots, what was tried, the last messages and the customer 360 link."""
    state = DialogueState.from_dict(conversation.state)
    intents = [h["intent"] for h in state.history if h.get("intent")]
    tried = [
        {"intent": h.get("intent"), "action": h.get("action"), "outcome": h.get("outcome")}
        for h in state.history
        if h.get("action")
    ]
    messages = [
        {"sender": str(m.sender), "text": m.text}
        for m in conversation.messages[-LAST_MESSAGES:]
        if m.sender != Sender.SYSTEM
    ]
    customer = conversation.customer_id
    return {
        "reason": reason,
        "intent": state.task or (intents[-1] if intents else None),
        "slots": state.slots,
        "verified": state.verified,
        "language": state.language or conversation.language,
        "sentiment": state.sentiment,
        "tried": tried[-10:],
        "last_messages": messages,
        "customer_id": customer,
        "customer_url": f"/customers/{customer}" if customer is not None else None,
        "customer_api": f"/api/v1/customers/{customer}/timeline" if customer is not None else None,
    }
