"""The human inbox: live conversation lists, the annotated transcript, takeover and replies.

Live updates come from the conversation SSE endpoints (``/api/v1/conversations/stream`` and
``/{id}/events``), which accept the staff cookie session for GET; ``static/inbox.js`` listens
and refreshes the list fragment or appends new messages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from maitre.agent.dialogue.handoff import build_summary
from maitre.api.deps import SessionDep, actor_name
from maitre.common.ids import IdPath
from maitre.common.pagination import Page, PageParams
from maitre.conversations import inbox, service
from maitre.conversations.models import Conversation, ConversationStatus, Sender
from maitre.conversations.schemas import MAX_MESSAGE_CHARS
from maitre.customers import service as customers
from maitre.errors import NotFound, ValidationFailed
from maitre.orders import service as orders
from maitre.users.service import Principal
from maitre.web.core import Csrf, PageRoute, WebUser, redirect, render, require
from maitre.web.suggest import suggest_reply

router = APIRouter(route_class=PageRoute)
TABS = ("bot", "handed_off", "mine", "resolved")
PERMISSION = "conversations:write"
RECENT_ORDERS = 5


def _filters(tab: str, user: Principal) -> service.ConversationFilter:
    if tab == "mine":
        return service.ConversationFilter(assignee_id=user.user_id or -1)
    return service.ConversationFilter(status=ConversationStatus(tab))


def _rows(session: SessionDep, page: Page[Conversation]) -> list[dict[str, Any]]:
    """Return one row per conversation: the conversation, its customer's name and last message."""
    names: dict[int, str] = {}
    rows = []
    for conv in page.items:
        name = None
        if conv.customer_id is not None:
            if conv.customer_id not in names:
                try:
                    found = customers.get(session=session, customer_id=conv.customer_id)
                    names[conv.customer_id] = found.name
                except NotFound:
                    names[conv.customer_id] = ""
            name = names[conv.customer_id]
        last = service.list_messages(session=session, conversation_id=conv.id, limit=1)
        rows.append({"c": conv, "customer": name, "last": last[0] if last else None})
    return rows


def _list_context(
    session: SessionDep, user: Principal, tab: str, cursor: str | None
) -> dict[str, Any]:
    page = service.list_(
        session=session,
        filters=_filters(tab, user),
        params=PageParams(limit=50, cursor=cursor, sort="-started_at"),
    )
    counts = {
        name: service.list_(
            session=session, filters=_filters(name, user), params=PageParams(limit=1)
        ).total
        for name in TABS
    }
    return {"tab": tab, "page": page, "rows": _rows(session, page), "counts": counts}


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    tab: Annotated[str, Query(max_length=20)] = "handed_off",
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    require(user, PERMISSION)
    tab = tab if tab in TABS else "handed_off"
    return render(request, "inbox.html", **_list_context(session, user, tab, cursor))


@router.get("/inbox/rows", response_class=HTMLResponse)
def inbox_rows(
    request: Request,
    session: SessionDep,
    user: WebUser,
    tab: Annotated[str, Query(max_length=20)] = "handed_off",
) -> Response:
    """Return the list fragment the live inbox swaps in when the stream reports a change."""
    require(user, PERMISSION)
    tab = tab if tab in TABS else "handed_off"
    return render(request, "_inbox_rows.html", **_list_context(session, user, tab, None))


def _conversation_page(
    request: Request, session: SessionDep, user: Principal, conversation_id: int, **extra: Any
) -> Response:
    conv = service.get(session=session, conversation_id=conversation_id)
    customer = None
    recent: list[Any] = []
    if conv.customer_id is not None:
        try:
            customer = customers.get(session=session, customer_id=conv.customer_id)
            recent = orders.list_for_customer(
                session=session, customer_id=conv.customer_id, limit=RECENT_ORDERS
            )
        except NotFound:
            customer = None
    lang = str((conv.state or {}).get("language") or conv.language or "en")
    if "draft" not in extra:
        # A first-reply suggestion; once a person has written, they carry on in their own words.
        answered = any(m.sender == Sender.AGENT for m in conv.messages)
        name = customer.name if customer is not None else None
        extra["draft"] = (
            ""
            if answered
            else suggest_reply(conv, agent=user.name or "", language=lang, customer_name=name)
        )
    last_id = conv.messages[-1].id if conv.messages else 0
    return render(
        request,
        "conversation.html",
        extra.pop("status_code", 200),
        c=conv,
        customer=customer,
        orders=recent,
        last_id=last_id,
        mine=conv.assignee_id is not None and conv.assignee_id == user.user_id,
        open=conv.status in (ConversationStatus.BOT, ConversationStatus.HANDED_OFF),
        **extra,
    )


@router.get("/inbox/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request, conversation_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, PERMISSION)
    return _conversation_page(request, session, user, conversation_id)


@router.post("/inbox/{conversation_id}/takeover", dependencies=[Csrf])
def take_over(
    request: Request, conversation_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    """Take a conversation from the bot (or the queue) and assign it to the current user."""
    require(user, PERMISSION)
    conv = service.get(session=session, conversation_id=conversation_id)
    if conv.status == ConversationStatus.BOT:
        service.hand_off(
            session=session,
            conversation_id=conversation_id,
            reason="agent_takeover",
            summary=build_summary(conv, reason="agent_takeover"),
            actor=actor_name(user),
        )
    inbox.assign(
        session=session,
        conversation_id=conversation_id,
        assignee_id=user.user_id,
        actor=actor_name(user),
    )
    return redirect(f"/inbox/{conversation_id}")


@router.post("/inbox/{conversation_id}/reply", response_class=HTMLResponse, dependencies=[Csrf])
def reply(
    request: Request,
    conversation_id: IdPath,
    session: SessionDep,
    user: WebUser,
    text: Annotated[str, Form(max_length=MAX_MESSAGE_CHARS * 2)] = "",
) -> Response:
    require(user, PERMISSION)
    error = None
    if not text.strip():
        error = "inbox.reply_empty"
    elif len(text) > MAX_MESSAGE_CHARS:
        error = "inbox.reply_too_long"
    if error is None:
        try:
            inbox.agent_reply(
                session=session,
                conversation_id=conversation_id,
                text=text.strip(),
                user_id=user.user_id,
                author=user.name or "staff",
                actor=actor_name(user),
            )
        except ValidationFailed:
            error = "inbox.reply_empty"
    if error is not None:
        session.rollback()
        return _conversation_page(
            request, session, user, conversation_id, status_code=422, draft=text, reply_error=error
        )
    return redirect(f"/inbox/{conversation_id}#composer")


@router.post("/inbox/{conversation_id}/handback", dependencies=[Csrf])
def hand_back(
    request: Request, conversation_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, PERMISSION)
    inbox.hand_back(session=session, conversation_id=conversation_id, actor=actor_name(user))
    return redirect(f"/inbox/{conversation_id}")


@router.post("/inbox/{conversation_id}/resolve", dependencies=[Csrf])
def resolve(
    request: Request, conversation_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, PERMISSION)
    inbox.resolve(
        session=session, conversation_id=conversation_id, outcome=None, actor=actor_name(user)
    )
    return redirect(f"/inbox/{conversation_id}")


@router.post("/inbox/{conversation_id}/assign", dependencies=[Csrf])
def assign_to_me(
    request: Request, conversation_id: IdPath, session: SessionDep, user: WebUser
) -> Response:
    require(user, PERMISSION)
    inbox.assign(
        session=session,
        conversation_id=conversation_id,
        assignee_id=user.user_id,
        actor=actor_name(user),
    )
    return redirect(f"/inbox/{conversation_id}")
