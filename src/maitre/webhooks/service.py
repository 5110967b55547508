"""Webhook endpoints and deliveries; the only code that queries the webhook tables."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from maitre.common.pagination import Page, PageParams, paginate
from maitre.db.base import utcnow
from maitre.db.lookup import get_or_404
from maitre.errors import FieldError, NotFound, ValidationFailed
from maitre.events import DomainEvent
from maitre.webhooks import outbox, signing, ssrf
from maitre.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from maitre.webhooks.schemas import WebhookCreate, WebhookUpdate

PING_EVENT = "ping"
SORTABLE = {
    "id": WebhookEndpoint.id,
    "url": WebhookEndpoint.url,
    "created_at": WebhookEndpoint.created_at,
}
DELIVERY_SORTABLE = {"id": WebhookDelivery.id, "created_at": WebhookDelivery.created_at}


@dataclass(frozen=True)
class Subscription:
    """An active endpoint's id and the event type patterns it listens to."""

    endpoint_id: int
    patterns: tuple[str, ...]

    def wants(self, event_type: str) -> bool:
        """Tell whether this subscription covers ``event_type``."""
        return any(matches(pattern, event_type) for pattern in self.patterns)


def matches(pattern: str, event_type: str) -> bool:
    """Match ``customer.created`` against ``customer.created``, ``customer.*`` or ``*``."""
    if pattern == "*" or pattern == event_type:
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return False


def _check_url(url: str, allow_private: bool) -> str:
    try:
        ssrf.check_url(url, allow_private=allow_private)
    except ValueError as exc:
        raise ValidationFailed(
            f"Webhook URL refused: {exc}.",
            errors=[FieldError(loc=["body", "url"], msg=str(exc))],
        ) from None
    return url.strip()


def _forget_subscriptions(session: Session) -> None:
    session.info.pop(outbox.SUBSCRIPTIONS_KEY, None)


def get(*, session: Session, webhook_id: int) -> WebhookEndpoint:
    """Return an endpoint or raise ``NotFound``."""
    return get_or_404(session, WebhookEndpoint, webhook_id, "Webhook")


def list_(*, session: Session, params: PageParams) -> Page[WebhookEndpoint]:
    """Return one page of endpoints."""
    return paginate(
        session,
        select(WebhookEndpoint),
        id_column=WebhookEndpoint.id,
        params=params,
        sortable=SORTABLE,
    )


def create(*, session: Session, data: WebhookCreate, allow_private: bool) -> WebhookEndpoint:
    """Register an endpoint; its secret is generated when not given."""
    endpoint = WebhookEndpoint(
        url=_check_url(data.url, allow_private),
        secret=data.secret or signing.generate_secret(),
        event_types=list(data.event_types),
        description=data.description,
        is_active=data.is_active,
    )
    session.add(endpoint)
    session.flush()
    _forget_subscriptions(session)
    return endpoint


def update(
    *, session: Session, webhook_id: int, data: WebhookUpdate, allow_private: bool
) -> WebhookEndpoint:
    """Change the fields set in ``data``."""
    endpoint = get(session=session, webhook_id=webhook_id)
    values = data.model_dump(exclude_unset=True)
    for name in ("url", "event_types", "secret", "is_active", "description"):
        if name in values and values[name] is None:
            del values[name]  # null means "leave as is" for required columns
    if "url" in values:
        values["url"] = _check_url(values["url"], allow_private)
    for name, value in values.items():
        setattr(endpoint, name, value)
    session.flush()
    _forget_subscriptions(session)
    return endpoint


def delete(*, session: Session, webhook_id: int) -> None:
    """Remove an endpoint with its deliveries."""
    endpoint = get(session=session, webhook_id=webhook_id)
    session.delete(endpoint)
    session.flush()
    _forget_subscriptions(session)


def subscriptions(*, session: Session) -> list[Subscription]:
    """Return the active endpoints' subscriptions, cached for the rest of the transaction."""
    cached: list[Subscription] | None = session.info.get(outbox.SUBSCRIPTIONS_KEY)
    if cached is None:
        rows = session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
                WebhookEndpoint.is_active.is_(True)
            )
        )
        cached = [Subscription(row.id, tuple(row.event_types or ())) for row in rows]
        session.info[outbox.SUBSCRIPTIONS_KEY] = cached
    return cached


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    # Events should carry JSON already; make sure a stray datetime cannot break the caller.
    ready: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return ready


def _new_delivery(
    session: Session, endpoint_id: int, event_id: str, event_type: str, payload: dict[str, Any]
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        endpoint_id=endpoint_id,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status=DeliveryStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    outbox.track(session, delivery)
    return delivery


def record_event(*, session: Session, event: DomainEvent) -> list[WebhookDelivery]:
    """Write one pending delivery per active endpoint subscribed to ``event``."""
    targets = [s.endpoint_id for s in subscriptions(session=session) if s.wants(event.type)]
    if not targets:
        return []
    payload = {
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "data": _json_ready(event.data),
    }
    return [_new_delivery(session, target, event.id, event.type, payload) for target in targets]


def ping(*, session: Session, webhook_id: int) -> WebhookDelivery:
    """Queue a ``ping`` delivery to an endpoint, whatever event types it subscribes to."""
    endpoint = get(session=session, webhook_id=webhook_id)
    event_id = uuid.uuid4().hex
    payload = {
        "id": event_id,
        "type": PING_EVENT,
        "occurred_at": utcnow().isoformat(),
        "data": {"webhook_id": endpoint.id, "message": "Ping from Maitre."},
    }
    delivery = _new_delivery(session, endpoint.id, event_id, PING_EVENT, payload)
    session.flush()
    return delivery


def get_delivery(*, session: Session, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Return one delivery of an endpoint or raise ``NotFound``."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != webhook_id:
        raise NotFound(f"Delivery {delivery_id} of webhook {webhook_id} not found.")
    return delivery


def list_deliveries(
    *,
    session: Session,
    webhook_id: int,
    params: PageParams,
    status: DeliveryStatus | None = None,
    event_type: str | None = None,
) -> Page[WebhookDelivery]:
    """Return one page of an endpoint's deliveries with their attempts, newest first."""
    get(session=session, webhook_id=webhook_id)
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == webhook_id)
        .options(selectinload(WebhookDelivery.attempts))
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event_type:
        stmt = stmt.where(WebhookDelivery.event_type == event_type)
    return paginate(
        session, stmt, id_column=WebhookDelivery.id, params=params, sortable=DELIVERY_SORTABLE
    )
