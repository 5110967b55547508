"""The task queue for real: Huey on SQLite and on Redis (127.0.0.1:6379), a consumer thread and the
``maitre worker`` process, delivering webhooks to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from huey import MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import Engine
from typer.testing import CliRunner

from maitre.bootstrap import Runtime, build_runtime
from maitre.cli.main import app as cli_app
from maitre.config import Settings, get_settings
from maitre.customers import service as customers
from maitre.customers.schemas import CustomerCreate
from maitre.db.base import Base, utcnow
from maitre.db.session import unit_of_work
from maitre.jobs import webhooks as webhook_jobs
from maitre.jobs.maintenance import PING
from maitre.jobs.queue import make_huey
from maitre.webhooks import delivery, service, signing
from maitre.webhooks.models import DeliveryStatus, WebhookDelivery
from maitre.webhooks.schemas import WebhookCreate
from tests.integration.webhook_receiver import webhook_receiver

REDIS_URL = os.environ.get("MAITRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = "test-webhook-secret-0123456789"


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL} for the queue tests ({exc}).")
    return REDIS_URL


def queue_settings(tmp_path: Path, db_url: str, redis_url: str = "") -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url=db_url,
        redis_url=redis_url,
        queue_immediate=False,
        allow_private_webhook_targets=True,
        secret_key="test-secret-key-for-tests-only",
    )  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def runtime(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, engine: Engine
) -> Iterator[Runtime]:
    """A runtime on the test database with a real queue: a SQLite file, or a unique Redis name."""
    url = request.getfixturevalue("redis_url") if request.param == "redis-queue" else ""
    rt = build_runtime(
        queue_settings(tmp_path, db_url, url),
        engine=engine,
        queue_name=f"maitre-test-{uuid.uuid4().hex[:12]}",
    )
    try:
        yield rt
    finally:
        rt.queue.huey.flush()
        rt.queue.close()


def emit_customer_created(rt: Runtime, endpoint_url: str) -> int:
    """Register an endpoint and create a customer in one committed transaction."""
    with unit_of_work(rt.sessionmaker) as session:
        endpoint = service.create(
            session=session,
            data=WebhookCreate(url=endpoint_url, event_types=["customer.*"], secret=SECRET),
            allow_private=True,
        )
        customers.create(session=session, data=CustomerCreate(name="Ada Lovelace"))
    return endpoint.id


def deliveries(rt: Runtime) -> list[WebhookDelivery]:
    with rt.sessionmaker() as session:
        return list(session.query(WebhookDelivery).order_by(WebhookDelivery.id))


def run_pending(rt: Runtime) -> int:
    """Dequeue and execute every task waiting in the real queue; return how many ran."""
    huey, ran = rt.queue.huey, 0
    while huey.pending_count():  # (dequeue on an empty Redis queue blocks for a second)
        huey.execute(huey.dequeue())
        ran += 1
    return ran


def run_scheduled(rt: Runtime) -> int:
    """Execute every scheduled (retry) task now, as if its eta had come."""
    huey = rt.queue.huey
    later = utcnow().replace(tzinfo=None) + timedelta(days=1)
    tasks = huey.read_schedule(later)
    for task in tasks:
        huey.execute(task, timestamp=later)
    return len(tasks)


def assert_signed(request: Any) -> None:
    headers = request.headers
    assert signing.verify(
        secret=SECRET,
        timestamp=headers["x-maitre-timestamp"],
        body=request.body,
        signature=headers["x-maitre-signature"],
    )


def test_backend_follows_settings(tmp_path: Path) -> None:
    base = queue_settings(tmp_path, "sqlite://")
    sqlite_huey = make_huey(base)
    assert isinstance(sqlite_huey, SqliteHuey)
    assert sqlite_huey.storage.filename == str((tmp_path / "var" / "queue.db").resolve())
    redis_huey = make_huey(base.model_copy(update={"redis_url": "redis://127.0.0.1:6379/15"}))
    assert isinstance(redis_huey, RedisHuey)
    immediate = make_huey(base.model_copy(update={"queue_immediate": True}))
    assert isinstance(immediate, MemoryHuey) and immediate.immediate


def test_task_runs_from_the_real_queue(runtime: Runtime) -> None:
    [queue_row, worker_row] = runtime.queue.checks()
    assert queue_row[1] and not worker_row[1] and "maitre worker" in worker_row[2]
    result = runtime.queue.enqueue(PING)
    assert runtime.queue.huey.pending_count() == 1
    assert run_pending(runtime) == 1
    assert result.get() == "pong"


def test_webhook_delivery_retries_with_backoff_through_the_queue(runtime: Runtime) -> None:
    with webhook_receiver(statuses=[500]) as receiver:
        emit_customer_created(runtime, receiver.url)
        assert runtime.queue.huey.pending_count() == 1  # enqueued after commit
        run_pending(runtime)
        [first] = deliveries(runtime)
        assert first.status == DeliveryStatus.PENDING and first.attempt_count == 1
        [retry] = runtime.queue.huey.scheduled()
        wait = retry.eta - utcnow().replace(tzinfo=None)
        assert timedelta(seconds=20) < wait <= timedelta(seconds=delivery.backoff_s(1))

        assert run_scheduled(runtime) == 1
        requests = receiver.wait_for(2)
    [done] = deliveries(runtime)
    assert done.status == DeliveryStatus.SUCCEEDED and done.attempt_count == 2
    for request in requests:
        assert_signed(request)
        assert request.json()["type"] == "customer.created"
        assert request.headers["x-maitre-delivery"] == str(done.id)
    assert runtime.queue.huey.scheduled_count() == 0


def test_consumer_thread_delivers(runtime: Runtime) -> None:
    consumer = runtime.queue.huey.create_consumer(workers=1, periodic=False, max_delay=0.2)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    try:
        with webhook_receiver() as receiver:
            emit_customer_created(runtime, receiver.url)
            [request] = receiver.wait_for(1)
            assert_signed(request)
            wait_until(lambda: deliveries(runtime)[0].status == DeliveryStatus.SUCCEEDED)
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        threading.Event().wait(0.05)


def test_delivery_gives_up_after_max_attempts(tmp_path: Path, db_url: str, engine: Engine) -> None:
    rt = build_runtime(queue_settings(tmp_path, db_url), engine=engine)
    with webhook_receiver(statuses=[500] * 10) as receiver:
        emit_customer_created(rt, receiver.url)
        run_pending(rt)
        while run_scheduled(rt):
            pass
        assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    [failed] = deliveries(rt)
    assert failed.status == DeliveryStatus.FAILED
    assert failed.attempt_count == delivery.MAX_ATTEMPTS and failed.next_attempt_at is None
    rt.queue.close()


def test_queue_outage_keeps_the_commit_and_the_sweeper_recovers(
    tmp_path: Path, db_url: str, engine: Engine
) -> None:
    down = build_runtime(queue_settings(tmp_path, db_url, "redis://127.0.0.1:1/0"), engine=engine)
    with webhook_receiver() as receiver:
        emit_customer_created(down, receiver.url)  # enqueue fails after the commit
        [stuck] = deliveries(down)
        [(_name, ok, detail)] = down.queue.checks()
        assert not ok and "MAITRE_REDIS_URL" in detail
        assert stuck.status == DeliveryStatus.PENDING and stuck.attempt_count == 0

        up = build_runtime(queue_settings(tmp_path, db_url), engine=engine)
        assert webhook_jobs.sweep(up.queue.context, lambda i: None) == []  # not overdue yet
        later = utcnow() + delivery.SWEEP_GRACE + timedelta(minutes=1)
        with unit_of_work(up.sessionmaker) as session:
            ids = delivery.claim_overdue(session=session, now=later)
        assert ids == [stuck.id]
        for delivery_id in ids:
            up.queue.enqueue(webhook_jobs.DELIVER, delivery_id)
        run_pending(up)
        receiver.wait_for(1)
    assert deliveries(up)[0].status == DeliveryStatus.SUCCEEDED
    up.queue.close()


def test_worker_command_consumes_the_queue(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'worker.db'}"
    settings = queue_settings(tmp_path, db_url)
    rt = build_runtime(settings)
    Base.metadata.create_all(rt.engine)
    env = {
        **os.environ,
        "MAITRE_DATA_DIR": str(settings.data_dir),
        "MAITRE_DATABASE_URL": db_url,
        "MAITRE_REDIS_URL": "",
        "MAITRE_QUEUE_IMMEDIATE": "false",
        "MAITRE_ALLOW_PRIVATE_WEBHOOK_TARGETS": "true",
        "MAITRE_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from maitre.cli.main import main; main()",
            "worker",
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with webhook_receiver() as receiver:
            emit_customer_created(rt, receiver.url)
            [request] = receiver.wait_for(1, timeout=60)
            assert_signed(request)
            wait_until(lambda: deliveries(rt)[0].status == DeliveryStatus.SUCCEEDED)
        wait_until(lambda: rt.queue.last_heartbeat() is not None)
        assert [(name, ok) for name, ok, _ in rt.queue.checks()] == [
            ("task queue", True),
            ("worker", True),
        ]
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "maitre worker" in output
    rt.close()


def test_worker_refuses_immediate_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MAITRE_QUEUE_IMMEDIATE", "true")
    monkeypatch.setenv("MAITRE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["worker"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "MAITRE_QUEUE_IMMEDIATE" in result.output
