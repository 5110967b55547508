"""Wake live streams (SSE) when a conversation changes in this process.

The database is the source of truth: a stream reads new messages and status changes from it.
This broker only tells waiting streams to look now rather than at their next poll; it hears
``conversation.*`` domain events and passes them on once their transaction commits. Changes
made by other processes (the worker, another web process) reach streams at the next poll.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from maitre.conversations.service import MESSAGE_EVENT
from maitre.events import DomainEvent, subscribe

_PENDING_KEY = "maitre.live_pending"
_STATE_KEY = "live_broker"
_install_lock = threading.Lock()


@dataclass(eq=False)
class Waiter:
    """One stream waiting for changes (of one conversation, or of all when None)."""

    conversation_id: int | None
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)


class Broker:
    """Thread-safe: committers notify from worker threads, streams wait on their event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[Waiter] = set()

    def subscribe(self, conversation_id: int | None) -> Waiter:
        """Register a waiter on the running event loop."""
        waiter = Waiter(conversation_id=conversation_id, loop=asyncio.get_running_loop())
        with self._lock:
            self._waiters.add(waiter)
        return waiter

    def unsubscribe(self, waiter: Waiter) -> None:
        """Forget a waiter (its stream ended)."""
        with self._lock:
            self._waiters.discard(waiter)

    def notify(self, conversation_ids: Iterable[int]) -> None:
        """Wake every stream interested in any of ``conversation_ids``."""
        ids = set(conversation_ids)
        with self._lock:
            targets = [
                w for w in self._waiters if w.conversation_id is None or w.conversation_id in ids
            ]
        for waiter in targets:
            try:
                waiter.loop.call_soon_threadsafe(waiter.event.set)
            except RuntimeError:  # the stream's loop has closed; it unsubscribes itself
                continue

    @property
    def waiting(self) -> int:
        """How many streams are waiting (for tests and diagnostics)."""
        with self._lock:
            return len(self._waiters)


def _conversation_id(event: DomainEvent) -> int | None:
    key = "conversation_id" if event.type == MESSAGE_EVENT else "id"
    value = event.data.get(key)
    return value if isinstance(value, int) else None


def install(factory: sessionmaker[Session], broker: Broker) -> None:
    """Feed ``broker`` from the conversation events of sessions ``factory`` creates."""

    def on_event(session: Session, event: DomainEvent) -> None:
        conversation_id = _conversation_id(event)
        if conversation_id is not None:
            session.info.setdefault(_PENDING_KEY, set()).add(conversation_id)

    def wants(_session: Session, event_type: str) -> bool:
        return event_type.startswith("conversation.")

    def after_commit(session: Session) -> None:
        pending = session.info.pop(_PENDING_KEY, None)
        if pending:
            broker.notify(pending)

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING_KEY, None)

    subscribe(factory, on_event, interest=wants)
    sa_event.listen(factory, "after_commit", after_commit)
    sa_event.listen(factory, "after_rollback", after_rollback)


def broker_for(state: Any) -> Broker:
    """Return the app's broker (``app.state``), wiring it to the app's sessions on first use."""
    broker: Broker | None = getattr(state, _STATE_KEY, None)
    if broker is None:
        with _install_lock:
            broker = getattr(state, _STATE_KEY, None)
            if broker is None:
                broker = Broker()
                install(state.sessionmaker, broker)
                setattr(state, _STATE_KEY, broker)
    return broker
