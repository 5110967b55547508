"""What one scenario run produced: per-turn records and the verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from maitre.agent.evaluation.facts import Finding

FALLBACK_INTENTS = frozenset({"out_of_scope", "nlu_fallback", "fallback", "unknown"})
FALLBACK_ACTION_WORDS = ("fallback", "dont_know", "don't_know", "unknown", "not_understood")


@dataclass
class TurnRecord:
    """One customer message, the reply and what was wrong with it."""

    index: int
    text: str
    reply: str = ""
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    handoff: bool = False
    latency_ms: float = 0.0
    http_status: int = 200
    failures: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def fallback(self) -> bool:
        """Return whether the reply was an out-of-scope / don't-know answer."""
        action = (self.action or "").lower()
        return (self.intent or "") in FALLBACK_INTENTS or any(
            w in action for w in FALLBACK_ACTION_WORDS
        )


@dataclass
class ScenarioResult:
    """The outcome of one scenario: completed when every expectation and invariant held."""

    name: str
    language: str
    tags: list[str]
    handoff_expected: bool = False  # a handoff would be warranted (required or allowed)
    handoff_required: bool = False
    turns: list[TurnRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    conversation_id: int | None = None
    conversation_status: str | None = None
    handed_off: bool = False
    csat: int | None = None

    @property
    def findings(self) -> list[Finding]:
        """Return the invariant findings of every turn."""
        return [f for t in self.turns for f in t.findings]

    @property
    def completed(self) -> bool:
        """Return whether the scenario's task was completed with every check passing."""
        return (
            self.error is None
            and not self.failures
            and not self.findings
            and all(not t.failures for t in self.turns)
        )

    def all_failures(self) -> list[str]:
        """Return every failure message, turn ones prefixed with their number."""
        out = [f"error: {self.error}"] if self.error else []
        for t in self.turns:
            out.extend(f"turn {t.index + 1}: {msg}" for msg in t.failures)
            out.extend(f"turn {t.index + 1}: {f.describe()}" for f in t.findings)
        return out + self.failures

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data."""
        return {
            "name": self.name,
            "language": self.language,
            "tags": self.tags,
            "completed": self.completed,
            "handoff_expected": self.handoff_expected,
            "handoff_required": self.handoff_required,
            "handed_off": self.handed_off,
            "conversation_id": self.conversation_id,
            "conversation_status": self.conversation_status,
            "csat": self.csat,
            "failures": self.all_failures(),
            "turns": [
                {
                    **{k: v for k, v in asdict(t).items() if k != "findings"},
                    "fallback": t.fallback,
                    "findings": [f.describe() for f in t.findings],
                }
                for t in self.turns
            ],
        }
