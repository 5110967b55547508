"""Webhook endpoints (admin only): register, list, change, remove, test, inspect deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from maitre.api.deps import PageDep, SessionDep, SettingsDep, require
from maitre.users.service import Principal
from maitre.webhooks import service
from maitre.webhooks.models import DeliveryStatus
from maitre.webhooks.schemas import (
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
Reader = Annotated[Principal, Depends(require("webhooks:read"))]
Writer = Annotated[Principal, Depends(require("webhooks:write"))]


@router.get("", response_model=WebhookPage)
def list_webhooks(session: SessionDep, _: Reader, page: PageDep) -> WebhookPage:
    result = service.list_(session=session, params=page)
    return result.serve(WebhookPage, WebhookRead.model_validate)


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(
    body: WebhookCreate, session: SessionDep, settings: SettingsDep, _: Writer
) -> WebhookCreated:
    endpoint = service.create(
        session=session, data=body, allow_private=settings.allow_private_webhook_targets
    )
    return WebhookCreated.model_validate(endpoint)


@router.get("/{webhook_id}", response_model=WebhookRead)
def get_webhook(webhook_id: int, session: SessionDep, _: Reader) -> WebhookRead:
    return WebhookRead.model_validate(service.get(session=session, webhook_id=webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookRead)
def update_webhook(
    webhook_id: int,
    body: WebhookUpdate,
    session: SessionDep,
    settings: SettingsDep,
    _: Writer,
) -> WebhookRead:
    endpoint = service.update(
        session=session,
        webhook_id=webhook_id,
        data=body,
        allow_private=settings.allow_private_webhook_targets,
    )
    return WebhookRead.model_validate(endpoint)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: int, session: SessionDep, _: Writer) -> Response:
    service.delete(session=session, webhook_id=webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/test", response_model=DeliveryRead, status_code=status.HTTP_202_ACCEPTED
)
def test_webhook(webhook_id: int, session: SessionDep, _: Writer) -> DeliveryRead:
    """Queue a signed ``ping`` event to the endpoint; its attempts show under deliveries."""
    delivery = service.ping(session=session, webhook_id=webhook_id)
    return DeliveryRead.model_validate(delivery)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage)
def list_deliveries(
    webhook_id: int,
    session: SessionDep,
    _: Reader,
    page: PageDep,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    event_type: Annotated[str | None, Query(max_length=100)] = None,
) -> DeliveryPage:
    result = service.list_deliveries(
        session=session,
        webhook_id=webhook_id,
        params=page,
        status=status_,
        event_type=event_type,
    )
    return result.serve(DeliveryPage, DeliveryRead.model_validate)
