"""The guarded sender against a real server on 127.0.0.1: what it refuses and what it records."""

from __future__ import annotations

import socket

from maitre.webhooks.transport import GuardedSender
from tests.integration.webhook_receiver import webhook_receiver


def test_sends_when_private_targets_are_allowed() -> None:
    with webhook_receiver(statuses=[201, 503]) as receiver:
        sender = GuardedSender(allow_private=True)
        ok = sender.post(url=receiver.url, headers={"X-A": "1"}, body=b"{}", timeout=5)
        failed = sender.post(url=receiver.url, headers={}, body=b"{}", timeout=5)
    assert ok.ok and ok.status_code == 201 and ok.error is None and ok.duration_ms >= 0
    assert ok.response_excerpt == '{"ok": true}'
    assert not failed.ok and failed.error == "HTTP 503" and failed.retryable
    assert receiver.requests[0].headers["x-a"] == "1"
    assert receiver.requests[0].headers["user-agent"].startswith("Maitre-Webhooks/")


def test_host_resolving_to_loopback_is_refused_at_connect_time() -> None:
    # Registration only sees a host name; the address is checked when connecting (DNS rebinding).
    with webhook_receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        result = GuardedSender(allow_private=False).post(url=url, headers={}, body=b"{}", timeout=5)
    assert result.status_code is None and not result.retryable
    assert result.error is not None and "refused" in result.error
    assert receiver.requests == []


def test_connection_failure_is_a_retryable_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    result = GuardedSender(allow_private=True).post(
        url=f"http://127.0.0.1:{port}/", headers={}, body=b"{}", timeout=5
    )
    assert result.status_code is None and result.retryable
    assert result.error and "ConnectError" in result.error


def test_unresolvable_host_is_a_retryable_error() -> None:
    result = GuardedSender(allow_private=False).post(
        url="https://does-not-exist.invalid/hook", headers={}, body=b"{}", timeout=5
    )
    assert result.retryable and result.error and "cannot resolve" in result.error
