"""Identity checks for anonymous visitors: email + order number, at most a few attempts.

Until the conversation has a ``customer_id`` no personal or order data is shown; a failed check
says the same whatever was wrong, so it reveals nothing about which part exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maitre.agent.dialogue.flows import FlowSpec
from maitre.agent.dialogue.tracker import Event
from maitre.agent.nlu.entities import EntityType
from maitre.conversations import service as conversations
from maitre.conversations.schemas import ConversationUpdate

if TYPE_CHECKING:
    from maitre.agent.dialogue.steps import Steps

VERIFY_EXPECTS = [str(EntityType.EMAIL), str(EntityType.ORDER_NUMBER)]


def verify(run: Steps, flow: FlowSpec, *, ask_only: bool) -> bool:
    """Collect email + order number, check them, link the customer; True once verified."""
    given: dict[str, Any] = {}
    emails = run.turn.values([EntityType.EMAIL])
    numbers = run.turn.values([EntityType.ORDER_NUMBER])
    if emails:
        given["email"] = str(emails[-1]).lower()
    if numbers:
        given["order_number"] = str(numbers[-1]).upper()
    if given and not ask_only:
        run.emit(Event("verify_input", given))
    known = dict(run.state.extra.get("verify") or {})
    if not known.get("order_number") and run.state.slots.get("order_number"):
        known["order_number"] = run.state.slots["order_number"]
    pending = {"kind": "verify", "expected": VERIFY_EXPECTS, "task": flow.name}
    if ask_only or not known.get("email") or not known.get("order_number"):
        run.emit(Event("pending_set", {"pending": pending}))
        run.say("verify.ask_email" if not known.get("email") else "verify.ask_order_number")
        return False
    result = run.tool(
        "verify_identity", {"email": known["email"], "order_number": known["order_number"]}
    )
    if result.ok and result.facts.get("customer_id") is not None:
        customer_id = int(result.facts["customer_id"])
        conversations.update(
            session=run.session,
            conversation_id=run.conversation.id,
            data=ConversationUpdate(customer_id=customer_id),
            actor="agent",
        )
        run.emit(Event("verified", {"customer_id": customer_id}))
        if flow.slot("order_number") is not None and not run.state.slots.get("order_number"):
            # The order the visitor verified with is the one they are asking about.
            number = known["order_number"]
            run.emit(Event("slot_set", {"slot": "order_number", "value": number}))
        run.say("verify.done")
        return True
    run.emit(Event("verify_failed"))
    if int(run.state.extra.get("verify_failures", 0)) >= run.settings.verify_max_attempts:
        run.say("verify.too_many")
        run.handoff("verification_failed")
        return False
    run.emit(Event("pending_set", {"pending": pending}))
    run.say("verify.failed")
    return False
