"""Dialogue state tracking: a turn is read from the NLU result, and the state changes only by
applying events (Rasa-style), so every change is named and can be logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from maitre.agent.dialogue import sentiment as sentiment_scorer
from maitre.agent.dialogue.flows import FlowSpec
from maitre.agent.dialogue.nlg import reply_language
from maitre.agent.dialogue.state import DialogueState
from maitre.agent.nlu.bundle import ParseResult
from maitre.agent.nlu.entities import EntityType

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
# Emails and codes ("MT-001043", "SKU AB-12") say nothing about the language of a message.
_NOT_WORDS = re.compile(r"[^@\s]+@[^@\s]+|#?\b[A-Za-z]{0,6}-?\d[\w-]*")
GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening)|greetings|"
    r"你好|您好|嗨|哈喽|在吗|亲)(?:\s+there)?[\s,，!！.。~:：]+",
    re.IGNORECASE,
)
# "cancel that", "never mind", "算了": drop the active task (not a cancellation of an order).
STOP_TASK = re.compile(
    r"^\s*(?:(?:oh\s+|no\s*,?\s*)?(?:cancel|stop|forget|drop|scratch)\s+(?:that|it|this)"
    r"|never\s*mind|nevermind|forget\s+about\s+it|don'?t\s+bother|nothing|that'?s\s+all"
    r"|算了|不用了|取消吧|别管了|不要了|没事了?)\s*[.!。！]*\s*$",
    re.IGNORECASE,
)
CORRECTION = re.compile(
    r"\b(?:actually|sorry,?\s+i\s+meant|i\s+meant|i\s+mean|correction|wrong\s+number|"
    r"not\s+that\s+one|instead|typo|mistyped|my\s+bad)\b|其实|不对|我是说|说错了|应该是|更正|打错",
    re.IGNORECASE,
)
FREE_TEXT_MIN = 5


@dataclass(frozen=True)
class Turn:
    """One customer message as the policy sees it."""

    text: str
    intent: str | None
    confidence: float
    ranking: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    language: str
    sentiment: float
    out_of_scope: bool
    stop_task: bool = False
    correction: bool = False
    injection: bool = False
    # The message opened with a greeting ("hi, where is …"): the reply greets back.
    greeted: bool = False

    def values(self, kinds: Iterable[EntityType]) -> list[Any]:
        """Return the values of entities of ``kinds``, in order."""
        wanted = {str(k) for k in kinds}
        return [e["value"] for e in self.entities if e["type"] in wanted]


@dataclass(frozen=True)
class Event:
    """One change to the dialogue state."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data for the conversation log."""
        return {"event": self.name, **self.data}


def turn_language(text: str, detected: str | None, previous: str) -> str:
    """Follow the latest message's language; a bare number or email keeps the previous one."""
    if _CJK.search(text):
        return "zh"
    if _WORD.search(_NOT_WORDS.sub(" ", text)):
        return reply_language(detected or "en")
    return reply_language(previous)


def read_turn(
    parse: ParseResult | None,
    text: str,
    state: DialogueState,
    *,
    injection: bool = False,
    greeted: bool = False,
) -> Turn:
    """Turn an NLU result (None when no model is active) into what the policy reads."""
    language = turn_language(text, parse.language if parse else None, state.language)
    entities = [_entity(e.to_dict()) for e in parse.entities] if parse else []
    return Turn(
        text=text.strip(),
        intent=parse.intent if parse else None,
        confidence=float(parse.confidence) if parse else 0.0,
        ranking=list(parse.ranking) if parse else [],
        entities=entities,
        language=language,
        sentiment=round(sentiment_scorer.score(text, language), 3),
        out_of_scope=bool(parse.out_of_scope) if parse else True,
        stop_task=bool(STOP_TASK.match(text)),
        correction=bool(CORRECTION.search(text)),
        injection=injection,
        greeted=greeted,
    )


def _entity(data: dict[str, Any]) -> dict[str, Any]:
    value = data.get("value")
    if data.get("type") == EntityType.PRODUCT and isinstance(value, dict):
        value = value.get("name") or value.get("sku") or data.get("text")
    elif isinstance(value, dict):
        value = value.get("text") or data.get("text")
    return {
        "type": data.get("type"),
        "value": value,
        "text": data.get("text"),
        "span": [data.get("start"), data.get("end")],
        "source": data.get("source"),
    }


# -- slots ---------------------------------------------------------------------------------


def normalise(slot: str, kind: str | None, value: Any) -> Any:
    """Return a slot value in canonical form (order numbers upper case, emails lower case)."""
    if not isinstance(value, str):
        return value
    value = " ".join(value.split())
    if kind == EntityType.ORDER_NUMBER or slot == "order_number":
        return value.lstrip("#").upper()[:40]
    if kind == EntityType.EMAIL or slot == "email":
        return value.lower()[:320]
    return value[:2000]


def valid_free_text(text: str) -> bool:
    """Tell whether a whole message can stand as a free-text slot value (an address …)."""
    clean = text.strip()
    return len(clean) >= FREE_TEXT_MIN and any(ch.isalnum() for ch in clean)


def slot_events(
    flow: FlowSpec, turn: Turn, state: DialogueState, *, asked: str | None
) -> list[Event]:
    """Return the slot values this turn gives ``flow``; a new value overwrites (a correction)."""
    events: list[Event] = []
    for slot in flow.slots:
        found = [e for e in turn.entities if e["type"] in {str(k) for k in slot.entity}]
        value: Any = None
        if slot.free_text and asked == slot.name and valid_free_text(turn.text):
            # The answer to "what is the new address?" is the whole message.
            value = normalise(slot.name, None, turn.text)
        elif found:
            value = normalise(slot.name, found[-1]["type"], found[-1]["value"])
        elif slot.fill_from_text and asked is None and not state.slots.get(slot.name):
            value = normalise(slot.name, None, turn.text)
        if value is not None and state.slots.get(slot.name) != value:
            events.append(Event("slot_set", {"slot": slot.name, "value": value}))
    return events


# -- applying events -----------------------------------------------------------------------


def apply(state: DialogueState, events: Iterable[Event]) -> None:
    """Apply ``events`` to ``state`` in order."""
    for event in events:
        _APPLY[event.name](state, event.data)


def _slot_set(state: DialogueState, data: dict[str, Any]) -> None:
    state.slots[data["slot"]] = data["value"]


def _slots_cleared(state: DialogueState, data: dict[str, Any]) -> None:
    for name in data.get("slots", []):
        state.slots.pop(name, None)


def _task_started(state: DialogueState, data: dict[str, Any]) -> None:
    state.task = data["task"]
    if not data.get("keep_slots"):
        state.slots = {}
    state.pending = None
    state.extra["task_text"] = data.get("text", "")


def _task_ended(state: DialogueState, data: dict[str, Any]) -> None:
    if state.task:
        state.extra["last_task"] = {"task": state.task, "slots": dict(state.slots)}
    state.task = None
    state.slots = {}
    state.pending = None


def _task_suspended(state: DialogueState, data: dict[str, Any]) -> None:
    if state.task:
        state.extra["suspended"] = {
            "task": state.task,
            "slots": dict(state.slots),
            "pending": state.pending,
            "task_text": state.extra.get("task_text"),
            "task_intent": state.extra.get("task_intent"),
            "confirmed": state.extra.get("confirmed"),
            "prechecked": state.extra.get("prechecked"),
        }
    state.task, state.slots, state.pending = None, {}, None


def _task_resumed(state: DialogueState, data: dict[str, Any]) -> None:
    saved = state.extra.pop("suspended", None) or {}
    state.task = saved.get("task")
    state.slots = dict(saved.get("slots") or {})
    state.pending = saved.get("pending")
    for key in ("task_text", "task_intent", "confirmed", "prechecked"):
        if saved.get(key) is not None:
            state.extra[key] = saved[key]


def _pending(state: DialogueState, data: dict[str, Any]) -> None:
    state.pending = data.get("pending")


def _language(state: DialogueState, data: dict[str, Any]) -> None:
    state.language = data["language"]


def _sentiment(state: DialogueState, data: dict[str, Any]) -> None:
    state.sentiment = data["value"]
    streak = int(state.extra.get("negative_streak", 0))
    state.extra["negative_streak"] = streak + 1 if data.get("negative") else 0


def _low_confidence(state: DialogueState, data: dict[str, Any]) -> None:
    state.low_confidence = state.low_confidence + 1 if data.get("low") else 0


def _turn(state: DialogueState, data: dict[str, Any]) -> None:
    state.turns += 1


def _verified(state: DialogueState, data: dict[str, Any]) -> None:
    state.verified = True
    state.extra.pop("verify", None)
    state.extra["verify_failures"] = 0


def _verify_input(state: DialogueState, data: dict[str, Any]) -> None:
    verify = dict(state.extra.get("verify") or {})
    verify.update(data)
    state.extra["verify"] = verify


def _verify_failed(state: DialogueState, data: dict[str, Any]) -> None:
    state.extra["verify_failures"] = int(state.extra.get("verify_failures", 0)) + 1
    state.extra["verify"] = {}


def _extra(state: DialogueState, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if value is None:
            state.extra.pop(key, None)
        else:
            state.extra[key] = value


_APPLY = {
    "slot_set": _slot_set,
    "slots_cleared": _slots_cleared,
    "task_started": _task_started,
    "task_ended": _task_ended,
    "task_suspended": _task_suspended,
    "task_resumed": _task_resumed,
    "pending_set": _pending,
    "language_set": _language,
    "sentiment_set": _sentiment,
    "low_confidence": _low_confidence,
    "turn": _turn,
    "verified": _verified,
    "verify_input": _verify_input,
    "verify_failed": _verify_failed,
    "extra_set": _extra,
}


def observe(state: DialogueState, turn: Turn, *, negative_below: float) -> list[Event]:
    """Return the events every turn produces: turn count, language, sentiment."""
    mood = {"value": turn.sentiment, "negative": turn.sentiment <= negative_below}
    events = [Event("turn"), Event("sentiment_set", mood)]
    if turn.language != state.language:
        events.append(Event("language_set", {"language": turn.language}))
    return events
