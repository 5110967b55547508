"""A scripted chat client for tests: returns canned replies and records every prompt."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from maitre.agent.llm.base import Message
from maitre.errors import ExternalServiceError

Script = str | BaseException | Callable[[list[Message]], str]


@dataclass
class FakeCall:
    """One request the fake received."""

    messages: list[Message]
    max_tokens: int
    temperature: float

    @property
    def prompt(self) -> str:
        """Return every message's content joined, for assertions on what left the process."""
        return "\n".join(m.get("content", "") for m in self.messages)


@dataclass
class FakeChatClient:
    """Answers from ``replies`` in order (a string, an exception to raise, or a function).

    When the script runs out it answers ``default``, or raises ``ExternalServiceError`` if that
    is None.
    """

    replies: list[Script] = field(default_factory=list)
    default: str | None = None
    calls: list[FakeCall] = field(default_factory=list)

    @classmethod
    def scripted(cls, *replies: Script, default: str | None = None) -> FakeChatClient:
        """Build a fake that answers ``replies`` in order."""
        return cls(replies=list(replies), default=default)

    @property
    def prompts(self) -> list[str]:
        """Return the text of every prompt received, oldest first."""
        return [call.prompt for call in self.calls]

    def add(self, replies: Iterable[Script]) -> None:
        """Append more scripted replies."""
        self.replies.extend(replies)

    def complete(self, messages: list[Message], *, max_tokens: int, temperature: float) -> str:
        """Record the request and return (or raise) the next scripted reply."""
        copied = [dict(m) for m in messages]
        self.calls.append(FakeCall(copied, max_tokens, temperature))
        if self.replies:
            script = self.replies.pop(0)
        elif self.default is not None:
            script = self.default
        else:
            raise ExternalServiceError("FakeChatClient has no scripted reply left")
        if isinstance(script, BaseException):
            raise script
        if callable(script):
            return script(copied)
        return script
