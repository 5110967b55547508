"""The dialogue state tracked between turns, stored as JSON on ``Conversation.state``.

Keys are a contract shared by the engine, the handoff summary, the inbox and the web UI:
``task`` (the active flow or None), ``slots`` (filled slot values), ``verified`` (identity
checked: the conversation's ``customer_id`` may then be used), ``language``, ``sentiment``
(-1..1, the latest turn), ``low_confidence`` (consecutive low-confidence or out-of-scope turns),
``turns`` (customer turns so far), ``history`` (one entry per turn: intent, action, outcome) and
``pending`` (what the last reply asked for: a slot name, a confirmation …).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

HISTORY_KEPT = 30


@dataclass
class DialogueState:
    task: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    verified: bool = False
    language: str = "en"
    sentiment: float = 0.0
    low_confidence: int = 0
    turns: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    pending: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DialogueState:
        """Rebuild a state from its stored JSON (unknown keys land in ``extra``)."""
        data = dict(data or {})
        known = {name for name in cls.__dataclass_fields__ if name != "extra"}
        values = {k: v for k, v in data.items() if k in known}
        state = cls(**values)
        state.extra = {
            **dict(data.get("extra") or {}),
            **{k: v for k, v in data.items() if k not in known and k != "extra"},
        }
        return state

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data (history trimmed to the last ``HISTORY_KEPT`` turns)."""
        data = asdict(self)
        data["history"] = data["history"][-HISTORY_KEPT:]
        return data

    def record(self, *, intent: str | None, action: str, outcome: str | None = None) -> None:
        """Append one turn to the history."""
        self.history.append({"intent": intent, "action": action, "outcome": outcome})
        del self.history[:-HISTORY_KEPT]
