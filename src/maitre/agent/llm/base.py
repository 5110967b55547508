"""The small interface every chat model client implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

Message = dict[str, str]


@runtime_checkable
class ChatClient(Protocol):
    """A chat completion model: messages in (``{"role", "content"}``), reply text out.

    Implementations raise ``maitre.errors.ExternalServiceError`` when the model cannot answer.
    """

    def complete(self, messages: list[Message], *, max_tokens: int, temperature: float) -> str:
        """Return the model's reply to ``messages``."""
        ...
