"""The dialogue policy: from the tracked state and this turn, choose what the agent does next.

Rules are checked in order of precedence — safety first (prompt injection), then what the last
reply asked for (a confirmation, a slot), the customer's explicit wishes (stop, a person), the
handoff triggers, and finally the intent. The policy only decides; ``runner`` carries it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from maitre.agent.dialogue.flows import FlowSet, FlowSpec
from maitre.agent.dialogue.state import DialogueState
from maitre.agent.dialogue.tracker import Turn, valid_free_text
from maitre.agent.nlu.entities import EntityType
from maitre.config import Settings

AFFIRM, DENY = "affirm", "deny"
SWITCH_CONFIDENCE = 0.8
# A read-only task whose slot the message fills is answered at this confidence, not clarified.
READ_ONLY_CONFIDENCE = 0.4
QUESTION_NOT_YES = 12
_FIRST = re.compile(r"^\s*(?:1|the\s+first(?:\s+one)?|first|a|第一个?|前者)\s*[.!。]?\s*$", re.I)
_SECOND = re.compile(r"^\s*(?:2|the\s+second(?:\s+one)?|second|b|第二个?|后者)\s*[.!。]?\s*$", re.I)
# Words a reply may open with before its yes or no ("hmm no wait", "等等，算了").
_FILLER = re.compile(
    r"^(?:\W|hmm+|um+|uh+|oh|ah|well|actually|wait|hang on|ok so|嗯|呃|哦|等等|等一下|其实)+", re.I
)
_YES = re.compile(
    r"^(?:y|yes|yeah|yep|yup|sure|ok|okay|correct|confirm(?:ed)?|go ahead|please do|do it|"
    r"right|absolutely|of course|that'?s (?:right|correct|fine)|sounds good)\b"
    r"|^(?:是|对(?!了)|好(?!像|久|多)|可以|行|确认|确定|没问题|嗯嗯|当然)",
    re.I,
)
_NO = re.compile(
    r"^(?:n|no|nope|nah|not now|never ?mind|don'?t|do not|stop|cancel that|forget it)\b"
    r"|^(?:不|没|否|别|算了)"
    r"|\b(?:don'?t|do not)\s+(?:cancel|return|change|do)\b|\bkeep it\b|\bi still want\b"
    r"|不要了|不用了|不取消|不退|不改了|算了",
    re.I,
)
_QUESTION = re.compile(
    r"[?？]|^(?:what|how|when|where|why|which|who|do|does|did|can|could|is|are|will|would)\b"
    r"|吗|呢|多久|几天|怎么|什么|哪|是否|能不能|有没有",
    re.I,
)


@dataclass(frozen=True)
class Decision:
    """What the agent does this turn."""

    action: str
    flow: FlowSpec | None = None
    reason: str | None = None
    # The task interrupted by this turn, which resumes after it.
    resume: str | None = None


def _core(text: str) -> str:
    return _FILLER.sub("", text.strip()).strip()


def is_yes(turn: Turn, confident: bool) -> bool:
    """Tell whether the turn says yes ("yes cancel it", "好的，继续退货吧")."""
    core = _core(turn.text)
    if _NO.search(core) or (("?" in core or "？" in core) and len(core) > QUESTION_NOT_YES):
        return False
    return bool(_YES.search(core)) or (confident and turn.intent == AFFIRM)


def is_no(turn: Turn, confident: bool) -> bool:
    """Tell whether the turn says no ("actually no, cancel that", "等等，算了，不取消了")."""
    core = _core(turn.text)
    if _YES.search(core) and not _NO.search(core):
        return False
    return bool(_NO.search(core)) or (confident and turn.intent == DENY)


def is_question(turn: Turn) -> bool:
    """Tell whether the turn asks something."""
    return bool(_QUESTION.search(_core(turn.text)))


def pick_flow(turn: Turn, flows: FlowSet, confident: bool) -> FlowSpec | None:
    """Return the flow the turn asks for: the NLU intent's, unless a flow's patterns say else."""
    nlu = flows.for_intent(turn.intent) if confident else None
    matched = [f for f in flows.flows.values() if f.patterns and f.matches(turn.text)]
    if not matched or (nlu is not None and nlu in matched):
        return nlu
    order = [str(r.get("intent")) for r in turn.ranking]

    def rank(flow: FlowSpec) -> int:
        places = [order.index(i) for i in flow.intents if i in order]
        return min(places) if places else len(order)

    return min(matched, key=rank)


def _gives_slot(
    turn: Turn, state: DialogueState, flow: FlowSpec | None, other: FlowSpec | None
) -> bool:
    pending = state.pending or {}
    expected = set(pending.get("expected") or [])
    if any(e["type"] in expected for e in turn.entities):
        return True
    if flow is None or (other is not None and other.name != flow.name):
        return False
    slot = flow.slot(str(pending.get("slot") or ""))
    return bool(slot and slot.free_text and valid_free_text(turn.text) and not turn.injection)


def _bare_answer(turn: Turn) -> bool:
    """Tell whether the message is little more than its entities ("1043", "bob@x.com")."""
    covered = sum(len(str(e.get("text") or "")) for e in turn.entities)
    return covered >= 0.6 * len(turn.text.replace(" ", ""))


def _fits(flow: FlowSpec, turn: Turn) -> bool:
    kinds = {str(k) for slot in flow.slots for k in slot.entity}
    return any(e["type"] in kinds for e in turn.entities)


def _clarify(turn: Turn, flows: FlowSet, settings: Settings) -> tuple[str, str] | None:
    if len(turn.ranking) < 2 or turn.out_of_scope:
        return None
    first, second = turn.ranking[0], turn.ranking[1]
    a, b = str(first["intent"]), str(second["intent"])
    if flows.for_intent(a) is None or flows.for_intent(b) is None:
        return None
    if flows.by_intent[a] == flows.by_intent[b]:
        return None
    close = float(first["confidence"]) - float(second["confidence"]) < settings.agent_clarify_margin
    return (a, b) if close and float(second["confidence"]) >= 0.25 else None


def _answer_pending(
    state: DialogueState, turn: Turn, flows: FlowSet, confident: bool
) -> Decision | None:
    """Read the turn as the answer to what the last reply asked, if it is one."""
    active = flows.get(state.task)
    kind = (state.pending or {}).get("kind")
    if kind == "confirm_handoff":
        if is_yes(turn, confident):
            return Decision("handoff", reason="customer_accepted")
        if is_no(turn, confident):
            return Decision("handoff_declined")
    if kind == "confirm" and active is not None:
        if is_no(turn, confident) or turn.stop_task:
            return Decision("declined", flow=active)
        if is_yes(turn, confident):
            return Decision("confirmed", flow=active)
        if _fits(active, turn) and (turn.correction or _bare_answer(turn)):
            return Decision("continue", flow=active)
    if kind == "clarify":
        options = [str(o) for o in (state.pending or {}).get("options") or []]
        picked = None
        if _FIRST.match(turn.text) and options:
            picked = options[0]
        elif _SECOND.match(turn.text) and len(options) > 1:
            picked = options[1]
        elif turn.intent in options:
            picked = turn.intent
        chosen = flows.for_intent(picked)
        if chosen is not None:
            return Decision("start", flow=chosen)
    return None


def decide(state: DialogueState, turn: Turn, flows: FlowSet, settings: Settings) -> Decision:
    """Return the next action for ``turn`` given ``state``."""
    confident = turn.confidence >= settings.agent_min_confidence and not turn.out_of_scope
    active = flows.get(state.task)
    pending = state.pending or {}
    kind = pending.get("kind")
    wanted = pick_flow(turn, flows, confident)
    if turn.injection:
        return Decision("refuse_injection")
    answered = _answer_pending(state, turn, flows, confident)
    if answered is not None:
        return answered

    strong = wanted if wanted is not None and turn.confidence >= SWITCH_CONFIDENCE else None
    if (
        active is not None
        and kind in ("slot", "verify")
        and _gives_slot(turn, state, active, strong)
    ):
        switch = (
            kind == "slot"
            and not _bare_answer(turn)
            and strong is not None
            and strong.kind == "task"
            and strong.name != active.name
            and not strong.digression
        )
        if not switch:
            return Decision("continue", flow=active)

    if active is not None and (
        turn.stop_task or (kind in ("slot", "verify") and is_no(turn, confident))
    ):
        return Decision("stop_task")

    if confident and turn.intent in settings.handoff_intents:
        return Decision("handoff", reason="admin_rule")
    if wanted is not None and wanted.kind == "handoff":
        return Decision("handoff", reason="customer_asked")
    if int(state.extra.get("negative_streak", 0)) >= settings.handoff_negative_turns:
        return Decision("handoff", reason="negative_sentiment")

    if active is not None and turn.correction and _fits(active, turn):
        return Decision("continue", flow=active)
    if (
        active is not None
        and kind
        and is_question(turn)
        and not turn.entities
        and (wanted is None or wanted.name != active.name)
    ):
        return Decision("question", flow=wanted, resume=active.name)

    last = state.extra.get("last_task") or {}
    previous = flows.get(last.get("task"))
    if (
        active is None
        and previous is not None
        and previous.kind == "task"
        and _fits(previous, turn)
        and (turn.correction or wanted is None)
    ):
        return Decision("correct", flow=previous)

    top = flows.for_intent(turn.intent)
    if (
        wanted is None
        and top is not None
        and top.kind == "task"
        and not top.confirm
        and not turn.out_of_scope
        and turn.confidence >= READ_ONLY_CONFIDENCE
        and _fits(top, turn)
    ):
        # Looking something up is harmless: answer rather than ask which task was meant.
        wanted = top
    if wanted is None:
        pair = _clarify(turn, flows, settings) if not confident else None
        if pair is not None:
            return Decision("clarify", reason=f"{pair[0]}|{pair[1]}")
        if confident and active is not None:
            return Decision("continue", flow=active)
        if confident:
            return Decision("ack")
        return Decision("not_understood", resume=active.name if active else None)
    if active is not None and wanted.name != active.name:
        if wanted.digression or wanted.kind in ("smalltalk", "kb"):
            return Decision("digression", flow=wanted, resume=active.name)
        return Decision("start", flow=wanted)
    if active is not None:
        return Decision("continue", flow=active)
    return Decision("start", flow=wanted)


def expected_types(state: DialogueState) -> list[EntityType]:
    """Return the entity types the last reply asked for (passed to the NLU next turn)."""
    pending = state.pending or {}
    out = []
    for name in pending.get("expected") or []:
        try:
            out.append(EntityType(name))
        except ValueError:
            continue
    return out
