"""Send one webhook request: the ``Sender`` interface, the real guarded sender and a fake.

``GuardedSender`` connects through a network backend that resolves the host itself, checks every
address with ``maitre.webhooks.ssrf`` and dials only those addresses; TLS still verifies the
certificate against the URL's host name. Redirects are not followed (a 3xx is a failed attempt).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import httpcore

from maitre import __version__
from maitre.webhooks import ssrf

EXCERPT_BYTES = 2048
USER_AGENT = f"Maitre-Webhooks/{__version__}"


@dataclass(frozen=True)
class SendResult:
    """What happened to one request: a status code, or an error and whether to try again."""

    status_code: int | None
    duration_ms: float
    error: str | None = None
    retryable: bool = True
    response_excerpt: str | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the target accepted the delivery (any 2xx)."""
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender(Protocol):
    """Posts a body to a URL and reports the outcome; never raises for network failures."""

    def post(self, *, url: str, headers: dict[str, str], body: bytes, timeout: float) -> SendResult:
        """Send ``body`` to ``url``."""
        ...


class _GuardedBackend(httpcore.NetworkBackend):
    """A network backend that only dials addresses the SSRF policy allows."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = ssrf.resolve(host, port, allow_private=self._allow_private)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise ssrf.TargetRefused("unix sockets are not webhook targets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class GuardedSender:
    """The real sender: HTTP/1.1 over the SSRF-guarded backend."""

    def __init__(self, *, allow_private: bool, ssl_context: ssl.SSLContext | None = None) -> None:
        self._allow_private = allow_private
        self._ssl_context = ssl_context

    def post(self, *, url: str, headers: dict[str, str], body: bytes, timeout: float) -> SendResult:
        """POST ``body`` to ``url``; failures become a ``SendResult`` with an error."""
        started = time.perf_counter()

        def elapsed() -> float:
            return round((time.perf_counter() - started) * 1000, 2)

        all_headers = {"User-Agent": USER_AGENT, **headers}
        extensions = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }
        backend = _GuardedBackend(allow_private=self._allow_private)
        try:
            with (
                httpcore.ConnectionPool(
                    network_backend=backend, ssl_context=self._ssl_context, retries=0
                ) as pool,
                pool.stream(
                    "POST",
                    url,
                    headers=list(all_headers.items()),
                    content=body,
                    extensions=extensions,
                ) as response,
            ):
                excerpt = b""
                for chunk in response.iter_stream():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
                status = response.status
        except ssrf.TargetRefused as exc:
            return SendResult(None, elapsed(), error=f"refused: {exc}", retryable=False)
        except ssrf.ResolutionFailed as exc:
            return SendResult(None, elapsed(), error=str(exc))
        except httpcore.TimeoutException as exc:
            return SendResult(None, elapsed(), error=f"timed out ({_describe(exc)})")
        except Exception as exc:  # any failure of the target is a failed attempt, not a crash
            return SendResult(None, elapsed(), error=_describe(exc))
        text = excerpt[:EXCERPT_BYTES].decode("utf-8", errors="replace")
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return SendResult(status, elapsed(), error=error, response_excerpt=text or None)


@dataclass
class FakeSender:
    """Records requests and answers with queued status codes (200 once the queue is empty)."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def post(self, *, url: str, headers: dict[str, str], body: bytes, timeout: float) -> SendResult:
        """Record the request and answer with the next queued status."""
        self.requests.append((url, dict(headers), body))
        status = self.statuses.pop(0) if self.statuses else 200
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return SendResult(status, 0.0, error=error)
