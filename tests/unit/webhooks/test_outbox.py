"""The outbox: deliveries are written with the emitting transaction and enqueued only if it commits.

In-memory SQLite, the inline queue and the fake sender keep these fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.pool import StaticPool

from maitre.bootstrap import Runtime, build_runtime
from maitre.config import Settings
from maitre.db import models as _models  # noqa: F401
from maitre.db.base import Base, utcnow
from maitre.db.session import make_engine, unit_of_work
from maitre.events import DomainEvent, emit, has_subscribers
from maitre.webhooks import delivery, outbox, service
from maitre.webhooks.models import DeliveryStatus, WebhookDelivery
from maitre.webhooks.schemas import WebhookCreate
from maitre.webhooks.transport import FakeSender, SendResult


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def rt(tmp_path: Path, sender: FakeSender) -> Iterator[Runtime]:
    engine = make_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    settings = Settings(data_dir=tmp_path, queue_immediate=True, allow_private_webhook_targets=True)  # type: ignore[call-arg]
    runtime = build_runtime(settings, engine=engine, webhook_sender=sender)
    yield runtime
    runtime.close()


def add_endpoint(rt: Runtime, *types: str, active: bool = True) -> int:
    with unit_of_work(rt.sessionmaker) as s:
        data = WebhookCreate(url="https://hooks.example.com/x", event_types=list(types))
        endpoint = service.create(session=s, data=data, allow_private=False)
        endpoint.is_active = active
    return endpoint.id


def all_deliveries(rt: Runtime) -> list[WebhookDelivery]:
    with rt.sessionmaker() as s:
        return list(s.query(WebhookDelivery).order_by(WebhookDelivery.id))


def test_status_values_are_pinned() -> None:
    assert [s.value for s in DeliveryStatus] == ["pending", "succeeded", "failed"]


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("*", "anything.at_all", True),
        ("customer.created", "customer.created", True),
        ("customer.created", "customer.updated", False),
        ("customer.*", "customer.updated", True),
        ("customer.*", "customers.updated", False),
        ("order.*", "order", False),
    ],
)
def test_event_type_patterns(pattern: str, event_type: str, expected: bool) -> None:
    assert service.matches(pattern, event_type) is expected


def test_backoff_grows_exponentially() -> None:
    delays = [delivery.backoff_s(n) for n in range(1, delivery.MAX_ATTEMPTS)]
    assert delays == [30, 120, 480, 1920]


def test_commit_delivers_with_the_documented_payload(rt: Runtime, sender: FakeSender) -> None:
    add_endpoint(rt, "order.*")
    with unit_of_work(rt.sessionmaker) as s:
        emit(
            session=s, type="order.updated", data={"id": 5, "at": datetime(2024, 1, 2, tzinfo=UTC)}
        )
        emit(session=s, type="customer.created", data={"id": 1})
    [(url, headers, body)] = sender.requests
    assert url == "https://hooks.example.com/x"
    [sent] = all_deliveries(rt)
    assert sent.status == DeliveryStatus.SUCCEEDED
    assert sent.payload["type"] == "order.updated" and sent.payload["data"]["id"] == 5
    assert sent.payload["data"]["at"] == "2024-01-02 00:00:00+00:00"  # made JSON-safe
    assert body == delivery.encode(sent.payload)
    assert headers["X-Maitre-Delivery"] == str(sent.id)


def test_rollback_leaves_no_delivery(rt: Runtime, sender: FakeSender) -> None:
    add_endpoint(rt, "*")
    with pytest.raises(RuntimeError), unit_of_work(rt.sessionmaker) as s:
        emit(session=s, type="customer.created", data={"id": 1})
        raise RuntimeError("the change failed")
    assert all_deliveries(rt) == [] and sender.requests == []
    with rt.sessionmaker() as s:
        assert outbox.PENDING_KEY not in s.info


def test_savepoint_rollback_drops_only_its_deliveries(rt: Runtime, sender: FakeSender) -> None:
    add_endpoint(rt, "*")
    with unit_of_work(rt.sessionmaker) as s:
        emit(session=s, type="kept.one", data={})
        nested = s.begin_nested()
        emit(session=s, type="dropped.one", data={})
        s.flush()
        nested.rollback()
    assert [d.event_type for d in all_deliveries(rt)] == ["kept.one"]
    assert len(sender.requests) == 1


def test_inactive_or_unsubscribed_endpoints_get_nothing(rt: Runtime, sender: FakeSender) -> None:
    add_endpoint(rt, "*", active=False)
    add_endpoint(rt, "ticket.created")
    with unit_of_work(rt.sessionmaker) as s:
        assert has_subscribers(s, "ticket.created")
        assert not has_subscribers(s, "customer.created")
        emit(session=s, type="customer.created", data={})
    assert all_deliveries(rt) == [] and sender.requests == []


def test_subscriptions_are_cached_per_transaction_and_refreshed_on_change(rt: Runtime) -> None:
    with unit_of_work(rt.sessionmaker) as s:
        emit(session=s, type="customer.created", data={})
        assert s.info[outbox.SUBSCRIPTIONS_KEY] == []
        service.create(
            session=s,
            data=WebhookCreate(url="https://a.example.com", event_types=["*"]),
            allow_private=False,
        )
        assert outbox.SUBSCRIPTIONS_KEY not in s.info
        emit(session=s, type="customer.created", data={})
    assert len(all_deliveries(rt)) == 1


def test_refused_target_fails_without_retry(rt: Runtime) -> None:
    add_endpoint(rt, "*")
    with unit_of_work(rt.sessionmaker) as s:
        [created] = service.record_event(session=s, event=DomainEvent(type="x.y", data={}))
    with unit_of_work(rt.sessionmaker) as s:
        refused = SendResult(None, 1.0, error="refused: loopback", retryable=False)
        retry = delivery.record_attempt(
            session=s, delivery_id=created.id, result=refused, attempted_at=utcnow()
        )
    assert retry is None
    [row] = [d for d in all_deliveries(rt) if d.id == created.id]
    assert row.status == DeliveryStatus.FAILED and row.last_error == "refused: loopback"


def test_disabled_endpoint_cancels_pending_delivery(rt: Runtime, sender: FakeSender) -> None:
    endpoint_id = add_endpoint(rt, "*")
    with unit_of_work(rt.sessionmaker) as s:
        [pending] = service.record_event(session=s, event=DomainEvent(type="x.y", data={}))
        s.flush()
        service.get(session=s, webhook_id=endpoint_id).is_active = False
    # the commit above enqueued (and, inline, ran) the delivery against a disabled endpoint
    assert sender.requests == []
    [row] = all_deliveries(rt)
    assert row.id == pending.id and row.status == DeliveryStatus.FAILED
    assert row.last_error == "endpoint disabled before delivery"
