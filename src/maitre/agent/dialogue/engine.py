"""One agent turn: NLU → state tracking → policy → action (tools, KB, handoff) → NLG.

``respond`` stores the customer's message and the bot's reply with the NLU annotations, the
action, the tool outcome, the sources and the latency in each message's ``data`` (the log the
inbox and the evaluation read), updates the conversation's state and flushes; the caller commits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from maitre.agent.dialogue import integrations, policy
from maitre.agent.dialogue.flows import load_flows
from maitre.agent.dialogue.handoff import build_summary
from maitre.agent.dialogue.nlg import MissingFact, Templates, load_templates
from maitre.agent.dialogue.runner import Outcome, Runner
from maitre.agent.dialogue.state import DialogueState
from maitre.agent.dialogue.tracker import GREETING, Event, Turn, apply, observe, read_turn
from maitre.agent.nlu import service as nlu
from maitre.agent.nlu.bundle import ParseResult
from maitre.agent.nlu.dataio import OUT_OF_SCOPE
from maitre.agent.nlu.entities import extract_entities
from maitre.agent.nlu.models import ReviewReason
from maitre.agent.nlu.serving import NoActiveModel, server_for
from maitre.agent.nlu.text import detect_language
from maitre.config import Settings
from maitre.conversations import service as conversations
from maitre.conversations.models import CLOSED_STATUSES, ConversationStatus, Message, Sender
from maitre.conversations.schemas import MAX_MESSAGE_CHARS
from maitre.errors import Conflict, FieldError, ValidationFailed
from maitre.runtime_settings import service as runtime_settings

log = logging.getLogger("maitre.agent.dialogue")
WAITING = "waiting_for_human"
UNDERSTOOD = frozenset({"not_understood", "refuse_injection", "clarify"})
GREETING_INTENT = "greeting"
MIN_AFTER_GREETING = 4


@dataclass
class Reply:
    """What the customer sees, and how the agent got there."""

    text: str | None
    intent: str | None
    confidence: float
    entities: list[dict[str, Any]]
    action: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    handoff: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": self.confidence,
            "entities": self.entities,
            "action": self.action,
            "sources": self.sources,
            "handoff": self.handoff,
        }


@dataclass
class TurnResult:
    """The reply to one customer message and the dialogue state after it."""

    reply: Reply
    state: DialogueState

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"reply": {...}, "state": {...}}``."""
        return {"reply": self.reply.to_dict(), "state": self.state.to_dict()}


def check_text(text: str) -> str:
    """Return ``text`` if a customer may send it, else raise ``ValidationFailed``."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed(
            "A message needs some text.",
            errors=[FieldError(loc=["body", "text"], msg="text is empty")],
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            f"A message may have at most {MAX_MESSAGE_CHARS} characters.",
            errors=[FieldError(loc=["body", "text"], msg="text is too long")],
        )
    if "\x00" in text:
        raise ValidationFailed(
            "A message may not contain NUL characters.",
            errors=[FieldError(loc=["body", "text"], msg="text contains binary data")],
        )
    return text


def _parse(
    session: Session, settings: Settings, text: str, state: DialogueState, now: datetime
) -> ParseResult:
    try:
        return server_for(settings).parse(
            session, text, today=now.date(), expected=policy.expected_types(state)
        )
    except NoActiveModel:
        # Without a model the agent still reads order numbers and emails to fill slots.
        log.warning("agent.nlu.no_active_model")
        entities = extract_entities(text, today=now.date(), expected=policy.expected_types(state))
        return ParseResult(
            text=text,
            intent=OUT_OF_SCOPE,
            confidence=0.0,
            ranking=[],
            entities=entities,
            language=detect_language(text, default=state.language),
            out_of_scope=True,
        )


def _past_greeting(
    session: Session,
    settings: Settings,
    text: str,
    state: DialogueState,
    now: datetime,
    parse: ParseResult,
) -> tuple[ParseResult, bool]:
    """Read "hi, where is my order?" as the question, remembering that it greeted."""
    match = GREETING.match(text)
    rest = text[match.end() :].strip() if match else ""
    if not match or len(rest) < MIN_AFTER_GREETING:
        return parse, False
    inner = _parse(session, settings, rest, state, now)
    if parse.intent == GREETING_INTENT and (inner.intent == GREETING_INTENT or inner.out_of_scope):
        return parse, False
    if parse.intent == GREETING_INTENT or inner.confidence > parse.confidence:
        parse = inner
    return parse, True


def _nlu_log(parse: ParseResult | None, turn: Turn) -> dict[str, Any]:
    return {
        "intent": turn.intent,
        "confidence": round(turn.confidence, 4),
        "ranking": turn.ranking[:3],
        "entities": turn.entities,
        "language": turn.language,
        "out_of_scope": turn.out_of_scope,
        "model_version": parse.model_version if parse else None,
    }


def _render(templates: Templates, outcome: Outcome, language: str) -> tuple[str, list[str]]:
    texts, errors = [], []
    for part in outcome.parts:
        key = templates.pick(part.key, part.facts, part.variant)
        try:
            texts.append(templates.render(key, language, part.facts))
        except MissingFact as exc:
            log.error("agent.nlg.missing_fact", extra={"error": str(exc)})
            errors.append(str(exc))
            texts.append(templates.render("tool.failed", language, {}))
    joiner = "" if language == "zh" else " "
    return joiner.join(t for t in texts if t), errors


def _facts(outcome: Outcome) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for part in outcome.parts:
        facts.update(part.facts)
    return facts


def _waiting(session: Session, conversation_id: int, text: str, state: DialogueState) -> TurnResult:
    conversations.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.CUSTOMER,
        text=text,
        data={"action": WAITING},
    )
    reply = Reply(text=None, intent=None, confidence=0.0, entities=[], action=WAITING, handoff=True)
    return TurnResult(reply=reply, state=state)


def respond(
    *,
    session: Session,
    settings: Settings,
    conversation_id: int,
    text: str,
    now: datetime | None = None,
) -> TurnResult:
    """Answer one customer message in a conversation (flushes; the caller commits)."""
    started = time.perf_counter()
    check_text(text)
    now = now or datetime.now(UTC)
    conversation = conversations.get(session=session, conversation_id=conversation_id, lock=True)
    if conversation.status in CLOSED_STATUSES:
        raise Conflict(f"Conversation {conversation_id} is {conversation.status}; start a new one.")
    state = DialogueState.from_dict(conversation.state)
    if conversation.status == ConversationStatus.HANDED_OFF:
        return _waiting(session, conversation_id, text, state)
    # What an admin changed on the settings page (LLM endpoint, business rules) applies from
    # the next turn on: one small query, no restart.
    settings = runtime_settings.effective(session=session, base=settings)
    state.verified = conversation.customer_id is not None
    if not state.history and not state.turns and conversation.language:
        state.language = conversation.language.split("-")[0]

    injection = integrations.detect_injection(text)
    parse = _parse(session, settings, text, state, now)
    parse, greeted = _past_greeting(session, settings, text, state, now, parse)
    turn = read_turn(parse, text, state, injection=injection is not None, greeted=greeted)
    apply(state, observe(state, turn, negative_below=settings.handoff_negative_sentiment))
    customer_message = conversations.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.CUSTOMER,
        text=text,
        data={
            "nlu": _nlu_log(parse, turn),
            "sentiment": turn.sentiment,
            "injection": (
                {"kind": injection.kind, "score": injection.score, "span": list(injection.span)}
                if injection
                else None
            ),
        },
    )

    flows = load_flows(settings)
    templates = load_templates()
    decision = policy.decide(state, turn, flows, settings)
    if decision.action not in UNDERSTOOD:
        apply(state, [Event("low_confidence", {"low": False})])
    client = integrations.llm_client(settings)
    runner = Runner(session, settings, conversation, state, turn, flows, templates, now, llm=client)
    outcome = runner.run(decision)
    if turn.greeted:
        runner.greet_back()
    reply_text, nlg_errors = _render(templates, outcome, turn.language)
    llm_log = None
    composed = any(p.key == "kb.composed" for p in outcome.parts)
    if client is not None and not outcome.handoff and not nlg_errors and not composed:
        polished = integrations.polish(
            client=client, reply=reply_text, facts=_facts(outcome), language=turn.language
        )
        reply_text, llm_log = polished.text, polished.log()
    elif composed:
        llm_log = {"used": True, "rejected": None, "kb_answer": True}
    tool_outcome = outcome.tool.get("outcome") if outcome.tool else None
    state.record(intent=turn.intent, action=outcome.action, outcome=tool_outcome)
    conversation.state = state.to_dict()
    session.flush()

    if outcome.handoff:
        conversations.hand_off(
            session=session,
            conversation_id=conversation_id,
            reason=outcome.handoff,
            summary=build_summary(conversation, reason=outcome.handoff),
            notice=None,
            actor="agent",
        )
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    bot_message = conversations.add_message(
        session=session,
        conversation_id=conversation_id,
        sender=Sender.BOT,
        text=reply_text,
        data={
            "action": outcome.action,
            "intent": turn.intent,
            "confidence": round(turn.confidence, 4),
            "language": turn.language,
            "tool": outcome.tool,
            "outcome": tool_outcome,
            "sources": outcome.sources,
            "handoff": outcome.handoff,
            "injection": injection is not None,
            "events": [e.to_dict() for e in outcome.events][:40],
            "templates": [p.key for p in outcome.parts],
            "nlg_errors": nlg_errors or None,
            "llm": llm_log,
            "nlu": _nlu_log(parse, turn),
            "latency_ms": latency_ms,
        },
    )
    _review(session, parse, turn, outcome, customer_message, bot_message, conversation_id)
    done = {"conversation_id": conversation_id, "action": outcome.action, "latency_ms": latency_ms}
    log.info("agent.turn", extra=done)
    reply = Reply(
        text=reply_text,
        intent=turn.intent,
        confidence=round(turn.confidence, 4),
        entities=turn.entities,
        action=outcome.action,
        sources=outcome.sources,
        handoff=outcome.handoff is not None,
    )
    return TurnResult(reply=reply, state=state)


def _review(
    session: Session,
    parse: ParseResult | None,
    turn: Turn,
    outcome: Outcome,
    customer_message: Message,
    bot_message: Message,
    conversation_id: int,
) -> None:
    """Queue the turn for labelling when the NLU was unsure or the turn ended in a handoff."""
    if parse is None or parse.model_version is None or turn.injection:
        return
    if outcome.action in ("not_understood", "clarify", "answer_kb_fallback"):
        reason = ReviewReason.OUT_OF_SCOPE if parse.out_of_scope else ReviewReason.LOW_CONFIDENCE
    elif outcome.handoff in ("low_confidence", "negative_sentiment"):
        reason = ReviewReason.HANDOFF
    else:
        return
    nlu.enqueue_review(
        session=session,
        text=turn.text,
        reason=reason,
        predicted_intent=turn.ranking[0]["intent"] if turn.ranking else turn.intent,
        confidence=turn.confidence,
        conversation_id=conversation_id,
        message_id=customer_message.id,
        model_version=parse.model_version,
        language=turn.language,
        details={"action": outcome.action, "bot_message_id": bot_message.id},
    )
