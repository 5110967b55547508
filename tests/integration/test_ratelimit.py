"""Rate limits on the shared Redis storage (as with several web processes) and on memory."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import redis

from maitre.api.ratelimit import RateLimiter
from maitre.config import Settings
from maitre.errors import RateLimited

REDIS_URL = os.environ.get("MAITRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, rate_limit_conversation="2/minute", **values)  # type: ignore[arg-type]


def test_processes_sharing_redis_share_the_counters(tmp_path: Path) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL} ({exc}).")
    first = RateLimiter(_settings(tmp_path, redis_url=REDIS_URL))
    second = RateLimiter(_settings(tmp_path, redis_url=REDIS_URL))
    identity = uuid.uuid4().hex
    first.hit("conversation", identity)
    second.hit("conversation", identity)
    with pytest.raises(RateLimited) as refused:
        first.hit("conversation", identity)
    assert 1 <= refused.value.extra["retry_after"] <= 60


def test_memory_counters_are_per_limiter_and_can_be_switched_off(tmp_path: Path) -> None:
    one, other = RateLimiter(_settings(tmp_path)), RateLimiter(_settings(tmp_path))
    for _ in range(2):
        one.hit("conversation", "c1")
    with pytest.raises(RateLimited):
        one.hit("conversation", "c1")
    other.hit("conversation", "c1")
    one.hit("conversation", "c2")
    off = RateLimiter(_settings(tmp_path, rate_limit_enabled=False))
    for _ in range(5):
        off.hit("conversation", "c1")


def test_an_unreachable_store_lets_requests_through(tmp_path: Path) -> None:
    limiter = RateLimiter(_settings(tmp_path, rate_limit_storage_url="redis://127.0.0.1:1/0"))
    for _ in range(3):
        limiter.hit("conversation", "c1")
