"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat completions API with canned answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.integration.http_stub import Recorded, Reply, stub_server


def completion(content: str, model: str = "test-model") -> dict[str, Any]:
    """Return a chat completion body whose first choice says ``content``."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@dataclass
class Answer:
    """One scripted response: a status, a body (dict → JSON, bytes → raw) and a delay."""

    status: int = 200
    body: dict[str, Any] | bytes = field(default_factory=dict)
    delay: float = 0.0


Seen = Recorded


@dataclass
class LlmServer:
    """Answers each request with the next scripted ``Answer`` (a 404 when the script is empty)."""

    url: str
    answers: list[Answer] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *answers: Answer) -> None:
        with self.lock:
            self.answers.extend(answers)

    def respond(self, request: Recorded) -> Reply:
        with self.lock:
            self.seen.append(request)
            answer = self.answers.pop(0) if self.answers else Answer(404, b"")
        body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        return Reply(answer.status, body, answer.delay)


@contextmanager
def llm_server() -> Iterator[LlmServer]:
    """Run the server on a free port for the duration of the block; ``url`` ends in ``/v1``."""
    server = LlmServer(url="")
    with stub_server(server.respond) as base:
        server.url = f"{base}/v1"
        yield server
