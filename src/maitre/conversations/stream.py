"""Server-sent events for the inbox and the widget: new messages and status changes.

Each stream polls the database (so changes from any process arrive) and is woken early by the
in-process broker. Wire format (``text/event-stream``)::

    id: 42                      the message id: a reconnecting EventSource resumes after it
    event: message
    data: {"id": 42, "conversation_id": 7, "sender": "bot", "text": "…", ...}

    event: status
    data: {"conversation_id": 7, "status": "handed_off", "assignee_id": 3}

A stream ends after ``timeout`` seconds or ``limit`` events; browsers reconnect by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.orm import Session, sessionmaker

from maitre.conversations import service
from maitre.conversations.live import Broker
from maitre.conversations.schemas import MessageRead, PublicMessage
from maitre.db.base import utcnow

HEARTBEAT_S = 15.0
BATCH = 100
Snapshot = dict[int, tuple[str, int | None]]


@dataclass(frozen=True)
class StreamScope:
    """What one stream shows: one conversation or all, and whether the viewer is a customer."""

    conversation_id: int | None
    public: bool
    after_id: int
    since: datetime
    known: Snapshot | None = None


def frame(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    """Format one server-sent event."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"{head}event: {event}\ndata: {body}\n\n"


def start_after(*, session: Session, conversation_id: int | None, requested: int | None) -> int:
    """Return the message id a stream starts after: the one asked for, else the latest."""
    if requested is not None:
        return requested
    return service.last_message_id(session=session, conversation_id=conversation_id)


def _message(message: Any, public: bool) -> dict[str, Any]:
    if public:
        shown = PublicMessage.model_validate(message).model_dump(mode="json")
        return {**shown, "conversation_id": message.conversation_id}
    return MessageRead.model_validate(message).model_dump(mode="json")


def _poll(
    factory: sessionmaker[Session], scope: StreamScope, after_id: int, known: Snapshot | None
) -> tuple[list[str], int, Snapshot]:
    frames: list[str] = []
    with factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for both reads: under READ COMMITTED a commit landing between them
            # would show a new conversation's status before its first message. (SQLite's read
            # transaction is one snapshot already.)
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        messages = service.messages_after(
            session=session, after_id=after_id, conversation_id=scope.conversation_id, limit=BATCH
        )
        snapshot = service.status_snapshot(
            session=session, since=scope.since, conversation_id=scope.conversation_id
        )
        for message in messages:
            frames.append(frame("message", _message(message, scope.public), message.id))
            after_id = message.id
        session.rollback()
    if known is not None:
        for conversation_id, (status, assignee) in sorted(snapshot.items()):
            if known.get(conversation_id) != (status, assignee):
                data: dict[str, Any] = {"conversation_id": conversation_id, "status": status}
                if not scope.public:
                    data["assignee_id"] = assignee
                frames.append(frame("status", data))
    return frames, after_id, snapshot


async def events(
    *,
    factory: sessionmaker[Session],
    broker: Broker,
    scope: StreamScope,
    poll_s: float,
    timeout_s: float,
    limit: int | None,
) -> AsyncIterator[str]:
    """Yield SSE frames for ``scope`` until ``timeout_s`` passes or ``limit`` events were sent."""
    waiter = broker.subscribe(scope.conversation_id)
    deadline = time.monotonic() + timeout_s
    last_sent = time.monotonic()
    sent = 0
    known, after_id = scope.known, scope.after_id
    try:
        yield f"retry: {int(poll_s * 1000)}\n\n"
        while True:
            waiter.event.clear()
            frames, after_id, snapshot = await anyio.to_thread.run_sync(
                _poll, factory, scope, after_id, known
            )
            known = snapshot
            for text in frames:
                yield text
                sent += 1
                last_sent = time.monotonic()
                if limit is not None and sent >= limit:
                    return
            now = time.monotonic()
            if now >= deadline:
                return
            if now - last_sent >= HEARTBEAT_S:
                yield ": keep-alive\n\n"
                last_sent = now
            if len(frames) >= BATCH:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.event.wait(), timeout=min(poll_s, deadline - now))
    finally:
        broker.unsubscribe(waiter)


def scope_for(
    *,
    session: Session,
    conversation_id: int | None,
    public: bool,
    requested_after: int | None,
) -> StreamScope:
    """Build a stream's scope, starting after the requested message or the latest one."""
    after_id = start_after(
        session=session, conversation_id=conversation_id, requested=requested_after
    )
    since = utcnow()
    # One conversation's stream opens with its status; the inbox's shows changes from now on.
    known = (
        {} if conversation_id is not None else service.status_snapshot(session=session, since=since)
    )
    return StreamScope(
        conversation_id=conversation_id,
        public=public,
        after_id=after_id,
        since=since,
        known=known,
    )
