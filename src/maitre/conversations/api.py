"""Conversation endpoints: start, talk to the agent, read the transcript, the staff inbox list."""

from __future__ import annotations

import importlib
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from maitre.api.deps import PageDep, SessionDep, SettingsDep, actor_name, require
from maitre.api.ratelimit import limiter_for, principal_identity
from maitre.common.ids import MAX_ID, IdPath, IdQuery
from maitre.conversations import access, inbox, service, widget_tokens
from maitre.conversations.models import (
    CLOSED_STATUSES,
    Channel,
    Conversation,
    ConversationStatus,
)
from maitre.conversations.schemas import (
    ConversationCreate,
    ConversationPage,
    ConversationRead,
    ConversationStart,
    ConversationTranscript,
    MessagePost,
    PublicConversation,
    PublicMessage,
    TurnResponse,
)
from maitre.errors import (
    Conflict,
    ExternalServiceError,
    FieldError,
    PermissionDenied,
    ValidationFailed,
)
from maitre.users.service import Principal

ENGINE_MODULE = "maitre.agent.dialogue.engine"
router = APIRouter(prefix="/conversations", tags=["conversations"])
Viewer = Annotated[Principal, Depends(access.viewer())]
Chatter = Annotated[Principal, Depends(access.chatter())]
StaffReader = Annotated[Principal, Depends(require("conversations:read"))]
ConversationId = IdPath
AssigneeFilter = Annotated[
    str | None,
    Query(
        pattern=r"^(mine|[1-9][0-9]{0,9})$",
        description="A user id, or 'mine' for the caller's own user.",
    ),
]


def present(
    conversation: Conversation, principal: Principal
) -> ConversationTranscript | PublicConversation:
    """Return the shape the caller may see: everything for staff, the chat for a widget."""
    if access.is_widget(principal):
        return PublicConversation(
            id=conversation.id,
            channel=conversation.channel,
            language=conversation.language,
            status=conversation.status,
            started_at=conversation.started_at,
            ended_at=conversation.ended_at,
            csat=conversation.csat,
            identified=conversation.customer_id is not None,
            messages=[PublicMessage.model_validate(m) for m in conversation.messages],
        )
    return ConversationTranscript.model_validate(conversation)


@router.post(
    "",
    response_model=ConversationTranscript | PublicConversation,
    status_code=status.HTTP_201_CREATED,
)
def start_conversation(
    body: ConversationStart,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: Chatter,
) -> ConversationTranscript | PublicConversation:
    limiter_for(request).hit("api_key", *principal_identity(who))
    widget = access.is_widget(who)
    if widget and body.customer_id is not None:
        raise PermissionDenied(
            "A widget key may not name customer_id; pass the customer_token the shop issued."
        )
    if widget and who.kind != "api_key":
        raise PermissionDenied("Widget conversations are started with a widget API key.")
    if body.customer_id is not None and body.customer_token is not None:
        raise ValidationFailed(
            "Send customer_id or customer_token, not both.",
            errors=[FieldError(loc=["body", "customer_token"], msg="conflicts with customer_id")],
        )
    customer_id = body.customer_id
    if body.customer_token is not None:
        customer_id = widget_tokens.verify(settings=settings, token=body.customer_token).customer_id
    channel = body.channel or (Channel.WIDGET if widget else Channel.WEB)
    conversation = inbox.start(
        session=session,
        data=ConversationCreate(customer_id=customer_id, channel=channel, language=body.language),
        api_key_id=who.id if who.kind == "api_key" else None,
        actor=actor_name(who),
    )
    return present(conversation, who)


@router.post("/{conversation_id}/messages", response_model=TurnResponse)
def post_message(
    conversation_id: ConversationId,
    body: MessagePost,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    who: Chatter,
) -> TurnResponse:
    limiter = limiter_for(request)
    limiter.hit("api_key", *principal_identity(who))
    conversation = access.visible(session=session, principal=who, conversation_id=conversation_id)
    limiter.hit("conversation", str(conversation_id))
    if conversation.status in CLOSED_STATUSES:
        raise Conflict(f"Conversation {conversation_id} is {conversation.status}; start a new one.")
    try:
        engine = importlib.import_module(ENGINE_MODULE)
    except ImportError as exc:  # imported here so the API starts even without the agent
        raise ExternalServiceError("The conversational agent is not available.") from exc
    result = engine.respond(
        session=session, settings=settings, conversation_id=conversation_id, text=body.text
    )
    return TurnResponse.model_validate(result.to_dict())


@router.get("/{conversation_id}", response_model=ConversationTranscript | PublicConversation)
def get_conversation(
    conversation_id: ConversationId, session: SessionDep, who: Viewer
) -> ConversationTranscript | PublicConversation:
    conversation = access.visible(session=session, principal=who, conversation_id=conversation_id)
    return present(conversation, who)


@router.get("", response_model=ConversationPage)
def list_conversations(
    session: SessionDep,
    who: StaffReader,
    page: PageDep,
    status: ConversationStatus | None = None,
    assignee_id: AssigneeFilter = None,
    customer_id: IdQuery = None,
    channel: Channel | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Search message text or id.")
    ] = None,
) -> ConversationPage:
    filters = service.ConversationFilter(
        customer_id=customer_id,
        status=status,
        assignee_id=_assignee(assignee_id, who),
        channel=channel,
        q=q,
    )
    result = service.list_(session=session, filters=filters, params=page)
    return result.serve(ConversationPage, ConversationRead.model_validate)


def _assignee(value: str | None, who: Principal) -> int | None:
    if value is None:
        return None
    if value == "mine":
        if who.user_id is None:
            raise ValidationFailed(
                "'mine' needs a caller with a user; this API key has none.",
                errors=[FieldError(loc=["query", "assignee_id"], msg="no user for 'mine'")],
            )
        return who.user_id
    number = int(value)
    if number > MAX_ID:
        raise ValidationFailed(
            "assignee_id is out of range.",
            errors=[FieldError(loc=["query", "assignee_id"], msg="out of range")],
        )
    return number
