"""Conversation operations; the only code that queries the conversations and messages tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from maitre.common.idspan import IdSpan
from maitre.common.pagination import Page, PageParams, paginate, where_equal
from maitre.conversations.models import (
    CLOSED_STATUSES,
    Conversation,
    ConversationStatus,
    Message,
    Sender,
)
from maitre.conversations.schemas import (
    MAX_MESSAGE_CHARS,
    ConversationCreate,
    ConversationRead,
    ConversationUpdate,
    MessageRead,
)
from maitre.customers import service as customers
from maitre.db import like
from maitre.db.base import utcnow
from maitre.errors import Conflict, FieldError, NotFound, ValidationFailed
from maitre.events import emit, has_subscribers
from maitre.timeline import service as timeline
from maitre.users import service as users

SORTABLE = {
    "id": Conversation.id,
    "started_at": Conversation.started_at,
    "ended_at": Conversation.ended_at,
    "status": Conversation.status,
}
MESSAGE_EVENT = "conversation.message_added"
_TRACKED = ("customer_id", "language", "assignee_id", "outcome", "csat", "summary", "status")


@dataclass(frozen=True)
class ConversationFilter:
    """Filters a conversation list accepts (the human inbox filters on status)."""

    customer_id: int | None = None
    status: ConversationStatus | None = None
    assignee_id: int | None = None
    channel: str | None = None
    q: str | None = None


def _missing(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[FieldError(loc=["body", field], msg=message, type="missing_reference")]
    )


def _check_refs(session: Session, values: dict[str, Any]) -> None:
    customer_id = values.get("customer_id")
    if customer_id is not None:
        try:
            customers.get(session=session, customer_id=customer_id)
        except NotFound:
            raise _missing("customer_id", f"Customer {customer_id} does not exist.") from None
    assignee_id = values.get("assignee_id")
    if assignee_id is not None and users.get_user(session=session, user_id=assignee_id) is None:
        raise _missing("assignee_id", f"User {assignee_id} does not exist.")


def public(conversation: Conversation) -> dict[str, Any]:
    """Return the conversation's API shape (without messages) as JSON-ready data."""
    return ConversationRead.model_validate(conversation).model_dump(mode="json")


def get(*, session: Session, conversation_id: int, lock: bool = False) -> Conversation:
    """Return a conversation or raise ``NotFound``.

    ``lock`` takes a row lock on PostgreSQL (``SELECT … FOR UPDATE``) so two turns of one
    conversation run one after the other; SQLite's write transactions are already serial.
    """
    conversation = session.get(Conversation, conversation_id, with_for_update=lock or None)
    if conversation is None:
        raise NotFound(f"Conversation {conversation_id} not found.")
    return conversation


def list_(
    *, session: Session, filters: ConversationFilter, params: PageParams
) -> Page[Conversation]:
    """Return one page of conversations matching ``filters``."""
    stmt = select(Conversation)
    stmt = where_equal(
        stmt,
        (Conversation.customer_id, filters.customer_id),
        (Conversation.status, filters.status),
        (Conversation.assignee_id, filters.assignee_id),
        (Conversation.channel, filters.channel),
    )
    if filters.q:
        stmt = stmt.where(_matches(filters.q))
    return paginate(session, stmt, id_column=Conversation.id, params=params, sortable=SORTABLE)


def _matches(q: str) -> ColumnElement[bool]:
    """Match conversations whose id is ``q`` or that have a message containing ``q``."""
    in_text = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, like.matches(Message.text, text=q))
        .exists()
    )
    if q.isascii() and q.isdigit() and len(q) < 10:
        return or_(Conversation.id == int(q), in_text)
    return in_text


def list_for_customer(*, session: Session, customer_id: int, limit: int = 50) -> list[Conversation]:
    """Return a customer's conversations, newest first."""
    stmt = (
        select(Conversation)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def create(
    *,
    session: Session,
    data: ConversationCreate,
    actor: str = "system",
    api_key_id: int | None = None,
    state: dict[str, Any] | None = None,
) -> Conversation:
    """Start a conversation; it begins with the bot (``api_key_id``: the key that started it)."""
    values = data.model_dump()
    _check_refs(session, values)
    conversation = Conversation(
        **values,
        status=ConversationStatus.BOT,
        started_at=utcnow(),
        api_key_id=api_key_id,
        state=state or {},
    )
    session.add(conversation)
    session.flush()
    if conversation.customer_id is not None:
        timeline.record(
            session=session,
            customer_id=conversation.customer_id,
            kind="conversation.started",
            subject_type="conversation",
            subject_id=conversation.id,
            summary=f"Conversation #{conversation.id} started on {conversation.channel}",
            actor=actor,
        )
    emit(session=session, type="conversation.created", data=public(conversation))
    return conversation


def _snapshot(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in _TRACKED}


def _record_changes(
    session: Session, conversation: Conversation, before: dict[str, Any], actor: str
) -> None:
    diff = timeline.changes(before, _snapshot(conversation))
    if not diff:
        return
    if conversation.customer_id is not None:
        if "status" in diff:
            kind, summary = (
                "conversation.status_changed",
                f"Conversation #{conversation.id} {diff['status'][0]} → {diff['status'][1]}",
            )
        else:
            kind = "conversation.updated"
            summary = f"Conversation #{conversation.id}: updated " + ", ".join(sorted(diff))
        timeline.record(
            session=session,
            customer_id=conversation.customer_id,
            kind=kind,
            subject_type="conversation",
            subject_id=conversation.id,
            summary=summary,
            data={"changes": {k: [_plain(a), _plain(b)] for k, (a, b) in diff.items()}},
            actor=actor,
        )
    emit(
        session=session,
        type="conversation.updated",
        data={**public(conversation), "changes": sorted(diff)},
    )


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | dict | list):
        return value
    return str(value)


def update(
    *, session: Session, conversation_id: int, data: ConversationUpdate, actor: str = "system"
) -> Conversation:
    """Apply the fields set in ``data`` (link a verified customer, assign, rate …)."""
    conversation = get(session=session, conversation_id=conversation_id)
    values = data.model_dump(exclude_unset=True)
    _check_refs(session, values)
    before = _snapshot(conversation)
    for key, value in values.items():
        setattr(conversation, key, value)
    session.flush()
    _record_changes(session, conversation, before, actor)
    return conversation


def set_status(
    *,
    session: Session,
    conversation_id: int,
    status: ConversationStatus,
    outcome: str | None = None,
    actor: str = "system",
) -> Conversation:
    """Move a conversation to ``status``; closing stamps ``ended_at``, reopening clears it."""
    conversation = get(session=session, conversation_id=conversation_id)
    before = _snapshot(conversation)
    conversation.status = ConversationStatus(status)
    if conversation.status in CLOSED_STATUSES:
        conversation.ended_at = conversation.ended_at or utcnow()
    else:
        conversation.ended_at = None
    if outcome is not None:
        conversation.outcome = outcome[:60]
    session.flush()
    _record_changes(session, conversation, before, actor)
    return conversation


def add_message(
    *,
    session: Session,
    conversation_id: int,
    sender: Sender,
    text: str,
    data: dict[str, Any] | None = None,
    allow_closed: bool = False,
) -> Message:
    """Append a message to a conversation; closed conversations refuse new messages."""
    conversation = get(session=session, conversation_id=conversation_id)
    if conversation.status in CLOSED_STATUSES and not allow_closed:
        raise Conflict(f"Conversation {conversation_id} is {conversation.status}; start a new one.")
    if not text.strip():
        raise ValidationFailed(
            "A message needs some text.",
            errors=[FieldError(loc=["body", "text"], msg="text is empty")],
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            f"A message may have at most {MAX_MESSAGE_CHARS} characters.",
            errors=[FieldError(loc=["body", "text"], msg="text is too long")],
        )
    # Setting the relationship (not the id) keeps an already-loaded transcript in step.
    message = Message(
        conversation=conversation,
        sender=Sender(sender),
        text=text,
        data=data or {},
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    if has_subscribers(session, MESSAGE_EVENT):
        payload = MessageRead.model_validate(message).model_dump(mode="json")
        emit(session=session, type=MESSAGE_EVENT, data=payload)
    return message


def list_messages(
    *, session: Session, conversation_id: int, limit: int | None = None
) -> list[Message]:
    """Return a conversation's messages, oldest first (the last ``limit`` if given)."""
    get(session=session, conversation_id=conversation_id)
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if limit is None:
        return list(session.scalars(stmt.order_by(Message.id)))
    newest = list(session.scalars(stmt.order_by(Message.id.desc()).limit(limit)))
    return newest[::-1]


def conversation_facts(
    *, session: Session, as_of: datetime, span: IdSpan | None = None
) -> list[tuple[Any, ...]]:
    """Return (customer_id, conversations, mean csat or None) of conversations by ``as_of``."""
    stmt = (
        select(
            Conversation.customer_id,
            func.count(Conversation.id),
            func.avg(Conversation.csat),
        )
        .where(Conversation.customer_id.is_not(None), Conversation.started_at <= as_of)
        .group_by(Conversation.customer_id)
    )
    if span is not None:
        stmt = stmt.where(span.condition(Conversation.customer_id))
    return [tuple(row) for row in session.execute(stmt)]


def fingerprint(*, session: Session) -> tuple[Any, ...]:
    """Return (count, max id, max ended_at) of conversations, to tell when they changed."""
    stmt = select(
        func.count(Conversation.id), func.max(Conversation.id), func.max(Conversation.ended_at)
    )
    return tuple(session.execute(stmt).one())


def hand_off(
    *,
    session: Session,
    conversation_id: int,
    reason: str,
    summary: dict[str, Any],
    notice: str | None = None,
    actor: str = "system",
) -> Conversation:
    """Move a conversation to the human inbox with ``summary`` attached.

    ``summary`` is what the person picking it up reads first (intent, slots, what was tried,
    the customer); ``notice`` is the system message the customer sees (expected wait).
    Handing off a conversation that is already with a person keeps the first summary's
    time and adds the new reason.
    """
    conversation = get(session=session, conversation_id=conversation_id)
    if conversation.status in CLOSED_STATUSES:
        raise Conflict(f"Conversation {conversation_id} is {conversation.status}.")
    before = _snapshot(conversation)
    previous = dict(conversation.summary or {})
    handed_at = previous.get("handed_off_at") if previous.get("reason") else None
    conversation.summary = {
        **summary,
        "reason": reason,
        "handed_off_at": handed_at or utcnow().isoformat(),
        "reasons": [*previous.get("reasons", []), reason][-10:],
    }
    conversation.status = ConversationStatus.HANDED_OFF
    conversation.ended_at = None
    session.flush()
    if notice:
        add_message(
            session=session,
            conversation_id=conversation_id,
            sender=Sender.SYSTEM,
            text=notice,
            data={"action": "handoff", "reason": reason},
        )
    _record_changes(session, conversation, before, actor)
    emit(
        session=session,
        type="conversation.handed_off",
        data={**public(conversation), "reason": reason},
    )
    return conversation


def messages_after(
    *, session: Session, after_id: int, conversation_id: int | None = None, limit: int = 100
) -> list[Message]:
    """Return messages with an id above ``after_id`` (of one conversation, or all), oldest first."""
    stmt = select(Message).where(Message.id > after_id)
    if conversation_id is not None:
        stmt = stmt.where(Message.conversation_id == conversation_id)
    return list(session.scalars(stmt.order_by(Message.id).limit(limit)))


def last_message_id(*, session: Session, conversation_id: int | None = None) -> int:
    """Return the highest message id (of one conversation, or all); 0 when there is none."""
    stmt = select(func.max(Message.id))
    if conversation_id is not None:
        stmt = stmt.where(Message.conversation_id == conversation_id)
    return int(session.scalar(stmt) or 0)


def status_snapshot(
    *, session: Session, since: datetime, conversation_id: int | None = None
) -> dict[int, tuple[str, int | None]]:
    """Return (status, assignee) of one conversation, or of all open or closed since ``since``."""
    stmt = select(Conversation.id, Conversation.status, Conversation.assignee_id)
    if conversation_id is not None:
        stmt = stmt.where(Conversation.id == conversation_id)
    else:
        stmt = stmt.where(
            or_(Conversation.status.not_in(list(CLOSED_STATUSES)), Conversation.ended_at >= since)
        )
    return {row[0]: (str(row[1]), row[2]) for row in session.execute(stmt)}
