"""Rate limits for the conversation API and login, on the ``limits`` library.

Counters live in memory (one process) by default, in Redis when ``MAITRE_REDIS_URL`` (or
``MAITRE_RATE_LIMIT_STORAGE_URL``) is set, so every web process shares them. A moving window
per identity; a refused hit becomes ``RateLimited`` (429 with ``Retry-After``). If the storage
is unreachable the request goes through: a limiter outage must not take the chat down.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from maitre.config import Settings
from maitre.errors import RateLimited
from maitre.users.service import Principal

log = logging.getLogger("maitre.api.ratelimit")
_STATE_KEY = "rate_limiter"
_lock = threading.Lock()


class RateLimiter:
    """Named limits (``conversation``, ``api_key``, ``login``) over one counter storage."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        url = settings.rate_limit_storage_url or settings.redis_url or "memory://"
        options: dict[str, Any] = {"wrap_exceptions": True}
        self._storage = storage_from_string(url, **options)
        self._strategy = MovingWindowRateLimiter(self._storage)
        self.limits: dict[str, RateLimitItem] = {
            "conversation": parse(settings.rate_limit_conversation),
            "api_key": parse(settings.rate_limit_api_key),
            "login": parse(settings.rate_limit_login),
        }

    def hit(self, name: str, *identity: str) -> None:
        """Count one request of ``identity`` against limit ``name``; raise ``RateLimited``."""
        if not self.enabled:
            return
        item = self.limits[name]
        key = ("maitre", name, *identity)
        try:
            if self._strategy.hit(item, *key):
                return
            reset_at = self._strategy.get_window_stats(item, *key).reset_time
        except StorageError as exc:
            log.warning("ratelimit.storage_unavailable", extra={"error": str(exc)[:200]})
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"Too many requests ({item}); try again in {retry_after} s.",
            extra={"retry_after": retry_after},
        )

    def reset(self) -> None:
        """Forget every counter (tests, and an admin clearing a false alarm)."""
        try:
            self._storage.reset()
        except StorageError:
            log.warning("ratelimit.reset_failed")


def limiter_for(request: Request) -> RateLimiter:
    """Return the app's limiter, building it from the app's settings on first use."""
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, _STATE_KEY, None)
    if limiter is None:
        with _lock:
            limiter = getattr(state, _STATE_KEY, None)
            if limiter is None:
                limiter = RateLimiter(state.settings)
                setattr(state, _STATE_KEY, limiter)
    return limiter


def principal_identity(principal: Principal) -> tuple[str, str]:
    """Return the counter identity of a caller (one per API key or user)."""
    return (principal.kind, str(principal.id))


def client_address(request: Request) -> str:
    """Return the caller's network address (the proxy's, unless the server trusts its headers)."""
    return request.client.host if request.client else "unknown"
