"""A real HTTP server on 127.0.0.1 that records webhook requests and answers with set statuses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.integration.http_stub import Recorded, Reply, stub_server

Received = Recorded


@dataclass
class Receiver:
    """Answers each request with the next status in ``statuses`` (200 when empty)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, request: Recorded) -> Reply:
        with self.lock:
            self.requests.append(request)
            status = self.statuses.pop(0) if self.statuses else 200
        return Reply(status, b'{"ok": true}' if status < 300 else b"boom")

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Block until ``count`` requests arrived (or fail after ``timeout`` seconds)."""
        done = threading.Event()
        waited = 0.0
        while waited < timeout:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            done.wait(0.05)
            waited += 0.05
        raise AssertionError(f"expected {count} webhook requests, got {len(self.requests)}")


@contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    """Run a threaded HTTP server for the duration of the block."""
    receiver = Receiver(statuses=statuses or [])
    with stub_server(receiver.respond) as base:
        receiver.url = f"{base}/hooks/maitre"
        yield receiver
