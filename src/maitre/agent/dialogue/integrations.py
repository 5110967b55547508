"""The engine's optional collaborators — knowledge base, injection detector, LLM — behind guards.

Each is imported lazily and may be absent (a deployment without a KB, no LLM configured): the
engine then answers from templates and says it does not know instead of failing the turn.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from maitre.config import Settings

log = logging.getLogger("maitre.agent.dialogue")
DEFAULT_KB_MIN_CONFIDENCE = 0.5

# A last line of defence when maitre.safety.injection is not installed: the blunt attempts.
_FALLBACK_INJECTION = re.compile(
    r"(?:\b(?:ignore|disregard|forget|override|bypass)\b[^.!?]{0,40}"
    r"\b(?:instructions?|rules|prompts?|guidelines|restrictions)\b)"
    r"|(?:\b(?:system prompt|developer mode|jailbreak)\b)"
    r"|(?:\b(?:show|list|give|dump|export)\b[^.!?]{0,20}\ball\b[^.!?]{0,20}"
    r"\b(?:orders|customers|users|emails|accounts)\b)"
    r"|(?:(?:忽略|无视|忘记|忘掉)[^。！？]{0,10}(?:指令|规则|提示|设定|说明))"
    r"|(?:(?:所有|全部)[^。！？]{0,6}(?:客户|用户|订单)[^。！？]{0,6}(?:信息|数据|资料)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Injection:
    """A prompt-injection attempt found in a customer message."""

    kind: str
    score: float
    span: tuple[int, int]


@dataclass(frozen=True)
class Hit:
    """A knowledge-base chunk the agent may quote."""

    article_id: int
    chunk_id: int | None
    title: str
    text: str
    confidence: float
    language: str | None


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def detect_injection(text: str) -> Injection | None:
    """Return the injection attempt in ``text``, if the detector (or the fallback) finds one."""
    safety = _optional("maitre.safety.injection")
    detect = getattr(safety, "detect", None)
    if detect is not None:
        finding = detect(text)
        if finding is not None:
            return Injection(str(finding.kind), float(finding.score), tuple(finding.span))
    match = _FALLBACK_INJECTION.search(text)
    if match is not None:
        return Injection("override", 0.6, (match.start(), match.end()))
    return None


def kb_min_confidence(settings: Settings) -> float:
    """Return the KB confidence below which the agent says it does not know."""
    return float(getattr(settings, "kb_min_confidence", DEFAULT_KB_MIN_CONFIDENCE))


def kb_search(
    *, session: Session, settings: Settings, query: str, language: str | None
) -> list[Hit] | None:
    """Return KB hits for ``query`` (best first), or None when no knowledge base is installed."""
    kb = _optional("maitre.kb.service")
    search = getattr(kb, "search", None)
    if search is None:
        return None
    try:
        found = search(session=session, settings=settings, query=query, language=language, limit=3)
    except Exception:  # the KB must never break a turn; the agent then says it does not know
        log.exception("agent.kb.search_failed")
        return []
    hits = []
    for item in found:
        if getattr(item, "flagged", False):
            continue
        hits.append(
            Hit(
                article_id=int(item.article_id),
                chunk_id=getattr(item, "chunk_id", None),
                title=str(item.title),
                text=str(item.text),
                confidence=float(getattr(item, "confidence", 0.0)),
                language=getattr(item, "language", None),
            )
        )
    return hits


def llm_client(settings: Settings) -> Any | None:
    """Return the configured chat client, or None (no ``MAITRE_LLM_BASE_URL``, no package)."""
    if not getattr(settings, "llm_base_url", ""):
        return None
    llm = _optional("maitre.agent.llm")
    make_client = getattr(llm, "client_from_settings", None)
    if make_client is None:
        return None
    try:
        return make_client(settings)
    except Exception:  # a misconfigured LLM must not break the agent: templates still work
        log.exception("agent.llm.client_failed")
        return None


@dataclass(frozen=True)
class Polished:
    """A reply after the optional LLM step, and whether the LLM's wording was kept."""

    text: str
    used_llm: bool
    rejected_reason: str | None = None

    def log(self) -> dict[str, Any]:
        """Return what the conversation log records about the LLM step."""
        return {"used": self.used_llm, "rejected": self.rejected_reason}


def polish(
    *, client: Any, reply: str, facts: dict[str, Any], language: str, name: str | None = None
) -> Polished:
    """Let the LLM rephrase a grounded reply; any failure or failed check keeps the template."""
    grounding = _optional("maitre.agent.llm.grounding")
    polisher = getattr(grounding, "polish", None)
    if client is None or polisher is None:
        return Polished(reply, used_llm=False, rejected_reason="no_llm")
    try:
        result = polisher(
            client=client, reply=reply, facts=facts, language=language, customer_name=name
        )
    except Exception:  # the template is always a correct answer
        log.exception("agent.llm.polish_failed")
        return Polished(reply, used_llm=False, rejected_reason="error")
    text = str(result.text) or reply
    return Polished(text, bool(result.used_llm), getattr(result, "rejected_reason", None))


def compose_kb_answer(*, client: Any, question: str, hits: list[Hit], language: str) -> str | None:
    """Return an LLM answer composed from (and citing) the KB chunks, or None to quote instead."""
    grounding = _optional("maitre.agent.llm.grounding")
    compose = getattr(grounding, "compose_kb_answer", None)
    if client is None or compose is None or not hits:
        return None
    try:
        result = compose(client=client, question=question, chunks=hits, language=language)
    except Exception:  # quoting the top chunk is always a correct answer
        log.exception("agent.llm.kb_answer_failed")
        return None
    return str(result.text) if result is not None and result.text else None
