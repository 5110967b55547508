"""Agent metrics from conversations and their messages: completion, containment, handoff, CSAT.

Definitions (over conversations started in the window):
- handed off: status ``handed_off`` or a handoff summary was written;
- ended: status resolved, abandoned or handed off;
- task completion: resolved / ended; containment: resolved without a handoff / ended;
- handoff rate: handed off / all; CSAT: mean of the 1–5 ratings given;
- top intents and fallbacks: the ``intent`` the NLU stored in message ``data`` (customer messages;
  bot messages when no customer message carries one), ``out_of_scope`` counting as a fallback.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from maitre.conversations.models import Conversation, ConversationStatus, Message, Sender

FALLBACK_INTENTS = frozenset({"out_of_scope", "fallback", "nlu_fallback"})
MAX_MESSAGES = 50_000


@dataclass
class WeekRates:
    """One week's counts and rates."""

    week: str
    conversations: int
    completion: float | None
    containment: float | None
    handoff: float | None


@dataclass
class AgentMetrics:
    """Agent performance over a window."""

    conversations: int = 0
    ended: int = 0
    resolved: int = 0
    contained: int = 0
    handed_off: int = 0
    csat_mean: float | None = None
    csat_count: int = 0
    weeks: list[WeekRates] = field(default_factory=list)
    top_intents: list[tuple[str, int]] = field(default_factory=list)
    fallbacks: int = 0
    annotated_messages: int = 0

    @property
    def completion(self) -> float | None:
        return self.resolved / self.ended if self.ended else None

    @property
    def containment(self) -> float | None:
        return self.contained / self.ended if self.ended else None

    @property
    def handoff_rate(self) -> float | None:
        return self.handed_off / self.conversations if self.conversations else None


def _handed_off(conv: Conversation) -> bool:
    return conv.status == ConversationStatus.HANDED_OFF or bool(conv.summary)


def _week(moment: datetime) -> str:
    return (moment.date() - timedelta(days=moment.weekday())).isoformat()


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def agent_metrics(*, session: Session, since: datetime | None = None) -> AgentMetrics:
    """Compute the agent metrics for conversations started at or after ``since``."""
    stmt = select(Conversation)
    if since is not None:
        stmt = stmt.where(Conversation.started_at >= since)
    result = AgentMetrics()
    ratings: list[int] = []
    weekly: dict[str, Counter[str]] = defaultdict(Counter)
    for conv in session.scalars(stmt):
        result.conversations += 1
        handed = _handed_off(conv)
        resolved = conv.status == ConversationStatus.RESOLVED
        ended = resolved or handed or conv.status == ConversationStatus.ABANDONED
        week = weekly[_week(conv.started_at)]
        week["all"] += 1
        if handed:
            result.handed_off += 1
            week["handed"] += 1
        if ended:
            result.ended += 1
            week["ended"] += 1
        if resolved:
            result.resolved += 1
            week["resolved"] += 1
            if not handed:
                result.contained += 1
                week["contained"] += 1
        if conv.csat is not None:
            ratings.append(conv.csat)
    if ratings:
        result.csat_mean = round(sum(ratings) / len(ratings), 2)
        result.csat_count = len(ratings)
    result.weeks = [
        WeekRates(
            week=key,
            conversations=c["all"],
            completion=_rate(c["resolved"], c["ended"]),
            containment=_rate(c["contained"], c["ended"]),
            handoff=_rate(c["handed"], c["all"]),
        )
        for key, c in sorted(weekly.items())
    ]
    _count_intents(session, result, since)
    return result


def _count_intents(session: Session, result: AgentMetrics, since: datetime | None) -> None:
    stmt = select(Message.sender, Message.data).order_by(Message.id.desc()).limit(MAX_MESSAGES)
    if since is not None:
        stmt = stmt.where(Message.created_at >= since)
    by_sender: dict[str, Counter[str]] = defaultdict(Counter)
    for sender, data in session.execute(stmt):
        intent = data.get("intent") if isinstance(data, dict) else None
        if isinstance(intent, dict):
            intent = intent.get("name")
        if isinstance(intent, str) and intent:
            by_sender[str(sender)][intent] += 1
    counts = by_sender.get(Sender.CUSTOMER.value) or by_sender.get(Sender.BOT.value) or Counter()
    result.annotated_messages = sum(counts.values())
    result.fallbacks = sum(n for name, n in counts.items() if name in FALLBACK_INTENTS)
    result.top_intents = counts.most_common(10)
