"""The steps a turn is made of: advance a flow (verify, precheck, ask, confirm, call the tool,
say the outcome), answer from the knowledge base, resume an interrupted task, hand off. State
changes go through tracker events; the reply is a list of template keys with their facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from maitre.agent.dialogue import identity, integrations, prechecks, tooling
from maitre.agent.dialogue.flows import FlowSet, FlowSpec, OutcomeSpec
from maitre.agent.dialogue.nlg import Templates
from maitre.agent.dialogue.sentiment import priority
from maitre.agent.dialogue.state import DialogueState
from maitre.agent.dialogue.tracker import Event, Turn, apply, slot_events
from maitre.agent.tools import ToolContext, ToolResult
from maitre.config import Settings
from maitre.conversations import inbox
from maitre.conversations.models import Conversation
from maitre.products import service as products
from maitre.recommendations import service as recommendations

CATEGORY_MATCH = 0.15
TICKET_KINDS = {"delivery_problem": "delivery", "payment_problem": "other"}


def source(hit: integrations.Hit) -> dict[str, Any]:
    """Return how a KB hit is cited in the reply and the log."""
    return {
        "article_id": hit.article_id,
        "chunk_id": hit.chunk_id,
        "title": hit.title,
        "confidence": round(hit.confidence, 3),
    }


@dataclass
class Part:
    """One sentence of the reply: a template key and the facts it may use."""

    key: str
    facts: dict[str, Any] = field(default_factory=dict)
    variant: str | None = None


@dataclass
class Outcome:
    """What a turn did: reply parts, the tool it called, KB sources, a handoff."""

    action: str
    parts: list[Part] = field(default_factory=list)
    tool: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    handoff: str | None = None
    events: list[Event] = field(default_factory=list)


@dataclass
class Steps:
    """Everything one turn needs to act, and the steps it is made of."""

    session: Session
    settings: Settings
    conversation: Conversation
    state: DialogueState
    turn: Turn
    flows: FlowSet
    templates: Templates
    now: datetime
    out: Outcome = field(default_factory=lambda: Outcome(action="none"))
    # The optional chat model (None: template replies only).
    llm: Any = None

    # -- helpers ---------------------------------------------------------------------------

    def emit(self, *events: Event) -> None:
        """Apply events to the state and keep them for the log."""
        apply(self.state, events)
        self.out.events.extend(events)

    def say(
        self, key: str, facts: dict[str, Any] | None = None, variant: str | None = None
    ) -> None:
        """Add a sentence to the reply."""
        self.out.parts.append(Part(key, dict(facts or {}), variant))

    def context(self) -> ToolContext:
        """Return the tool context for the conversation's verified customer."""
        return ToolContext(
            session=self.session,
            settings=self.settings,
            customer_id=self.conversation.customer_id,
            conversation_id=self.conversation.id,
            now=self.now,
            recommender=self.recommend,
        )

    def recommend(
        self, *, session: Session, customer_id: int, category: str | None, limit: int
    ) -> list[int]:
        """Return personalised product ids from the recommendations service."""
        found = recommendations.recommend_for_customer(
            session=session,
            settings=self.settings,
            customer_id=customer_id,
            limit=limit,
            category=category,
        )
        return [r.product_id for r in found]

    def tool(self, name: str, args: dict[str, Any]) -> ToolResult:
        """Call a tool and record it in the outcome."""
        result = tooling.call(name, self.context(), args)
        self.out.tool = {"name": name, **result.to_dict()}
        return result

    # -- tasks ---------------------------------------------------------------------------

    def back_to_task(self, name: str | None, pending: dict[str, Any]) -> None:
        """Remind the customer of the interrupted task and ask again what it needs."""
        active = self.flows.get(name)
        if active is None or self.state.task != active.name:
            return
        self.emit(Event("pending_set", {"pending": pending or None}))
        if active.reminder:
            self.say(active.reminder)
        self.reprompt()

    def greet_back(self) -> None:
        """Open the reply with a greeting (by first name for a known customer)."""
        if self.out.handoff or any(p.key.startswith("greeting.") for p in self.out.parts):
            return
        facts: dict[str, Any] = {}
        if self.conversation.customer_id is not None:
            facts = tooling.call("customer_profile", self.context(), {}).facts
        key = "greeting.hello.known" if facts.get("first_name") else "greeting.hello"
        self.out.parts.insert(0, Part(key, facts))

    def resume(self) -> None:
        """Resume a task a digression interrupted, reminding the customer where we were."""
        if self.state.task is not None or not self.state.extra.get("suspended"):
            return
        self.emit(Event("task_resumed"))
        flow = self.flows.get(self.state.task)
        if flow is None:
            self.emit(Event("task_ended", {"reason": "unknown_flow"}))
            return
        if flow.reminder:
            self.say(flow.reminder)
        if self.state.pending:
            self.reprompt()
        else:
            self.advance(flow)

    # -- flows -----------------------------------------------------------------------------

    def start(self, flow: FlowSpec, *, keep_slots: bool) -> None:
        """Start ``flow`` as the active task (simple flows answer without becoming one)."""
        if flow.kind != "task":
            self.respond_simple(flow)
            return
        started = {"task": flow.name, "keep_slots": keep_slots, "text": self.turn.text[:500]}
        context = {
            "confirmed": None,
            "prechecked": None,
            "task_intent": self.turn.intent,
            "task_sentiment": self.turn.sentiment,
        }
        self.emit(Event("task_started", started), Event("extra_set", context))
        self.emit(*slot_events(flow, self.turn, self.state, asked=None))
        self.advance(flow)

    def respond_simple(self, flow: FlowSpec) -> None:
        """Answer a smalltalk, KB or handoff flow."""
        if flow.kind == "handoff":
            self.handoff("customer_asked")
        elif flow.kind == "kb":
            if not self.answer_from_kb(quiet=False):
                unknown = flow.outcomes.get("unknown") or OutcomeSpec(reply="kb.unknown")
                self.finish(unknown, {}, flow=flow)
        elif flow.kind == "smalltalk":
            if flow.tool and self.conversation.customer_id is not None:
                result = self.tool(flow.tool, {})
                spec = flow.outcomes.get(str(result.outcome))
                if spec is not None:
                    self.say(spec.reply, result.facts, spec.variant)
                    return
            self.say(flow.reply or "ack.ok")
        else:
            self.start(flow, keep_slots=False)

    def missing(self, flow: FlowSpec) -> str | None:
        """Return the first slot ``flow`` still needs, or ``"*any"`` for a require-any group."""
        for slot in flow.slots:
            if slot.required and self.state.slots.get(slot.name) in (None, ""):
                return slot.name
        if flow.require_any and not any(self.state.slots.get(n) for n in flow.require_any):
            return "*any"
        return None

    def ask(self, flow: FlowSpec, name: str) -> None:
        """Ask for slot ``name`` (remembering which entity types the answer may carry)."""
        if name == "*any":
            kinds = [str(k) for n in flow.require_any if (s := flow.slot(n)) for k in s.entity]
            prompt = flow.require_any_prompt or "fallback.not_understood"
        else:
            slot = flow.slot(name)
            kinds = [str(k) for k in slot.entity] if slot else []
            prompt = (slot.prompt if slot else None) or "fallback.not_understood"
        pending = {"kind": "slot", "slot": name, "expected": kinds, "task": flow.name}
        self.emit(Event("pending_set", {"pending": pending}))
        self.say(prompt, dict(self.state.slots))

    def reprompt(self) -> None:
        """Ask again what the pending state was waiting for."""
        flow = self.flows.get(self.state.task)
        pending = self.state.pending or {}
        if flow is None:
            return
        if pending.get("kind") == "verify":
            self.verify(flow, ask_only=True)
        elif pending.get("kind") == "confirm" and flow.confirm:
            self.say(flow.confirm, dict(self.state.slots))
        elif pending.get("kind") == "slot" and pending.get("slot"):
            self.ask(flow, str(pending["slot"]))

    def advance(self, flow: FlowSpec) -> None:
        """Take the next step of ``flow``: verify, ask, confirm, or call the tool."""
        if (
            flow.verify
            and self.conversation.customer_id is None
            and not self.verify(flow, ask_only=False)
        ):
            return
        if flow.precheck and not self.prechecked(flow):
            return
        name = self.missing(flow)
        if name is not None:
            self.ask(flow, name)
            return
        if flow.confirm and not self.state.extra.get("confirmed"):
            self.emit(Event("pending_set", {"pending": {"kind": "confirm", "task": flow.name}}))
            self.say(flow.confirm, dict(self.state.slots))
            return
        if flow.tool is None:
            self.finish(OutcomeSpec(reply=flow.reply or "ack.ok"), {})
            return
        result = self.tool(flow.tool, self.arguments(flow))
        spec = flow.outcomes.get(str(result.outcome)) or flow.fallback
        if str(result.outcome) == "needs_verification":
            spec = OutcomeSpec(reply="tool.failed", next="offer_handoff")
        self.finish(spec, result.facts, flow=flow)

    def prechecked(self, flow: FlowSpec) -> bool:
        """Run the flow's read-only check once its slots are known; False if it refused."""
        assert flow.precheck is not None
        values = [self.state.slots.get(n) for n in flow.precheck_slots]
        if any(v in (None, "") for v in values) or self.state.extra.get("prechecked") == values:
            return True
        result = prechecks.PRECHECKS[flow.precheck](self.context(), dict(self.state.slots))
        if str(result.outcome) == prechecks.ELIGIBLE:
            self.emit(Event("extra_set", {"prechecked": values}))
            return True
        self.out.tool = {"name": flow.precheck, **result.to_dict()}
        spec = flow.outcomes.get(str(result.outcome)) or flow.fallback
        self.finish(spec, result.facts, flow=flow)
        return False

    def arguments(self, flow: FlowSpec) -> dict[str, Any]:
        """Return the tool arguments of ``flow`` from its slots and the turn."""
        filled = [n for n in flow.require_any if self.state.slots.get(n)]
        derived: dict[str, Callable[[], Any]] = {
            "text": lambda: self.turn.text,
            "task_text": lambda: self.state.extra.get("task_text") or self.turn.text,
            "language": lambda: self.turn.language,
            "priority": lambda: priority(min(self.state.sentiment, self._worst_sentiment())),
            "sentiment": lambda: self.state.sentiment,
            "intent": lambda: self.turn.intent,
            "ticket_kind": lambda: TICKET_KINDS.get(
                str(self.state.extra.get("task_intent")), "complaint"
            ),
            "category_hint": self.category_hint,
            "field": lambda: filled[0] if filled else None,
            "value": lambda: self.state.slots.get(filled[0]) if filled else None,
        }
        args = {}
        for arg, source in flow.args.items():
            if source.startswith("slot:"):
                args[arg] = self.state.slots.get(source[5:])
            else:
                args[arg] = derived[source]()
        return args

    def category_hint(self) -> str | None:
        """Return the catalogue category the message is about ("a nice teapot" → Teaware)."""
        text = self.turn.text.casefold()
        names = {c for c in products.categories(session=self.session).values() if c}
        for name in sorted(names, key=len, reverse=True):
            if re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", text):
                return name
        found = products.search(session=self.session, text=self.turn.text, limit=2)
        categories = {p.category for p, _ in found}
        if found and found[0][1] >= CATEGORY_MATCH and len(categories) == 1:
            return found[0][0].category
        return None

    def _worst_sentiment(self) -> float:
        return float(self.state.extra.get("task_sentiment", self.state.sentiment))

    def finish(
        self, spec: OutcomeSpec, facts: dict[str, Any], flow: FlowSpec | None = None
    ) -> None:
        """Say the outcome's reply and take its next step."""
        self.say(spec.reply, facts, spec.variant)
        is_task = flow is not None and flow.kind == "task" and self.state.task == flow.name
        if spec.next == "retry" and is_task and flow is not None:
            self.emit(Event("slots_cleared", {"slots": spec.clear}))
            if spec.clear:
                first = spec.clear[0]
                self.ask(flow, "*any" if first in flow.require_any else first)
            return
        if spec.next == "keep":
            return
        if is_task:
            self.emit(Event("task_ended", {"reason": spec.next}))
        if spec.next == "handoff":
            self.handoff(str(facts.get("handoff_reason") or "flow_requires_person"))
        elif self.state.extra.get("suspended"):
            self.resume()
        elif spec.next == "offer_handoff" and self.state.task is None:
            self.emit(Event("pending_set", {"pending": {"kind": "confirm_handoff"}}))
            self.say("handoff.offer")

    # -- identity --------------------------------------------------------------------------

    def verify(self, flow: FlowSpec, *, ask_only: bool) -> bool:
        """Collect email + order number and check them; return True once verified."""
        return identity.verify(self, flow, ask_only=ask_only)

    # -- knowledge base and handoff --------------------------------------------------------

    def answer_from_kb(self, *, quiet: bool) -> bool:
        """Answer from the best KB chunk if it is confident enough; return whether it did."""
        hits = integrations.kb_search(
            session=self.session,
            settings=self.settings,
            query=self.turn.text,
            language=self.turn.language,
        )
        floor = integrations.kb_min_confidence(self.settings)
        good = [h for h in hits or [] if h.confidence >= floor]
        if not good:
            return False
        top = good[0]
        self.out.sources = [source(h) for h in good[:3]]
        self.out.action = "answer_kb" if not quiet else "answer_kb_fallback"
        self.emit(Event("low_confidence", {"low": False}))
        composed = integrations.compose_kb_answer(
            client=self.llm, question=self.turn.text, hits=good[:3], language=self.turn.language
        )
        if composed is not None:
            self.say("kb.composed", {"answer": composed})
        else:
            self.say("kb.answer", {"title": top.title, "answer": top.text.strip()})
        return True

    def handoff(self, reason: str) -> None:
        """Mark the turn as a handoff; the engine moves the conversation to the inbox."""
        self.out.handoff = reason
        self.out.action = "handoff"
        self.emit(Event("pending_set", {"pending": None}))
        wait = inbox.expected_wait_minutes(
            session=self.session,
            minutes_per_conversation=self.settings.handoff_minutes_per_conversation,
        )
        self.say("handoff.notice", {"wait_minutes": wait})
