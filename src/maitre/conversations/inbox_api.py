"""Inbox endpoints: CSAT, handoff, a person's reply, hand back, resolve, assign; widget tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from maitre.api.deps import SessionDep, SettingsDep, actor_name, require
from maitre.api.ratelimit import limiter_for, principal_identity
from maitre.common.ids import IdPath
from maitre.conversations import access, inbox, widget_tokens
from maitre.conversations.api import present
from maitre.conversations.schemas import (
    AgentReplyCreate,
    AssignCreate,
    ConversationTranscript,
    CsatCreate,
    HandoffCreate,
    MessageRead,
    PublicConversation,
    ResolveCreate,
    WidgetTokenCreate,
    WidgetTokenRead,
)
from maitre.customers import service as customers
from maitre.errors import FieldError, NotFound, ValidationFailed
from maitre.users.service import Principal

router = APIRouter(prefix="/conversations", tags=["conversations"])
widget_router = APIRouter(prefix="/widget", tags=["conversations"])
Chatter = Annotated[Principal, Depends(access.chatter())]
StaffWriter = Annotated[Principal, Depends(require("conversations:write"))]
TokenIssuer = Annotated[Principal, Depends(require("widget:tokens"))]
ConversationId = IdPath
Shown = ConversationTranscript | PublicConversation


@router.post("/{conversation_id}/csat", response_model=Shown)
def rate_conversation(
    conversation_id: ConversationId,
    body: CsatCreate,
    request: Request,
    session: SessionDep,
    who: Chatter,
) -> Shown:
    limiter_for(request).hit("api_key", *principal_identity(who))
    access.visible(session=session, principal=who, conversation_id=conversation_id)
    conversation = inbox.rate(
        session=session,
        conversation_id=conversation_id,
        score=body.score,
        comment=body.comment,
        actor=actor_name(who),
    )
    return present(conversation, who)


@router.post("/{conversation_id}/handoff", response_model=Shown)
def hand_off(
    conversation_id: ConversationId,
    body: HandoffCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: Chatter,
) -> Shown:
    limiter_for(request).hit("api_key", *principal_identity(who))
    access.visible(session=session, principal=who, conversation_id=conversation_id)
    default = "customer_request" if access.is_widget(who) else "staff_request"
    conversation = inbox.request_handoff(
        session=session,
        conversation_id=conversation_id,
        reason=body.reason or default,
        minutes_per_conversation=settings.handoff_minutes_per_conversation,
        actor=actor_name(who),
    )
    return present(conversation, who)


@router.post(
    "/{conversation_id}/reply", response_model=MessageRead, status_code=status.HTTP_201_CREATED
)
def reply(
    conversation_id: ConversationId,
    body: AgentReplyCreate,
    request: Request,
    session: SessionDep,
    who: StaffWriter,
) -> MessageRead:
    limiter_for(request).hit("api_key", *principal_identity(who))
    message = inbox.agent_reply(
        session=session,
        conversation_id=conversation_id,
        text=body.text,
        user_id=who.user_id,
        author=who.name,
        actor=actor_name(who),
    )
    return MessageRead.model_validate(message)


@router.post("/{conversation_id}/handback", response_model=ConversationTranscript)
def hand_back(
    conversation_id: ConversationId, session: SessionDep, who: StaffWriter
) -> ConversationTranscript:
    conversation = inbox.hand_back(
        session=session, conversation_id=conversation_id, actor=actor_name(who)
    )
    return ConversationTranscript.model_validate(conversation)


@router.post("/{conversation_id}/resolve", response_model=ConversationTranscript)
def resolve(
    conversation_id: ConversationId,
    session: SessionDep,
    who: StaffWriter,
    body: ResolveCreate | None = None,
) -> ConversationTranscript:
    conversation = inbox.resolve(
        session=session,
        conversation_id=conversation_id,
        outcome=body.outcome if body else None,
        actor=actor_name(who),
    )
    return ConversationTranscript.model_validate(conversation)


@router.post("/{conversation_id}/assign", response_model=ConversationTranscript)
def assign(
    conversation_id: ConversationId, body: AssignCreate, session: SessionDep, who: StaffWriter
) -> ConversationTranscript:
    conversation = inbox.assign(
        session=session,
        conversation_id=conversation_id,
        assignee_id=body.assignee_id,
        actor=actor_name(who),
    )
    return ConversationTranscript.model_validate(conversation)


@widget_router.post("/tokens", response_model=WidgetTokenRead, status_code=status.HTTP_201_CREATED)
def issue_widget_token(
    body: WidgetTokenCreate, session: SessionDep, settings: SettingsDep, _: TokenIssuer
) -> WidgetTokenRead:
    try:
        customers.get(session=session, customer_id=body.customer_id)
    except NotFound:
        raise ValidationFailed(
            f"Customer {body.customer_id} does not exist.",
            errors=[FieldError(loc=["body", "customer_id"], msg="no such customer")],
        ) from None
    facts, token = widget_tokens.issue(
        settings=settings, customer_id=body.customer_id, ttl_seconds=body.ttl_seconds
    )
    return WidgetTokenRead(token=token, customer_id=facts.customer_id, expires_at=facts.expires_at)
